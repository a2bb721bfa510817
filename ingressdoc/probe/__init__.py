"""Probers: live evidence (DNS answers, HTTP responses) gathered apart from object reasoning.

A prober only reports what the network answered; deciding what that means for a hop is the
trace engine's job, so every check that reads cluster objects works without them.
"""
