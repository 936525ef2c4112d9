"""A traffic simulator for the hotline: citizens, agents and departments over HTTP, with
the simulator standing in for Twilio (`hotline simulate`; see the README)."""
