"""The trace: walk the hops of one request over a snapshot and report each hop."""
