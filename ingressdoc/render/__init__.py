"""Renderers: one module per format; input is trace results only, output is text."""
