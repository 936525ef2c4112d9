"""Work orders: intake, assignment, working-day deadlines, the state machine, reports."""
