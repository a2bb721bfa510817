from ingressdoc.cli import main

main()
