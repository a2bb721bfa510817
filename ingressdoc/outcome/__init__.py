"""What happens to the request: the outcome every trace ends in, and why."""
