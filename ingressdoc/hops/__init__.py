"""One module per hop family; each declares the kinds it reads."""
