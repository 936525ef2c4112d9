"""The call router: number plan, IVR menu, skills, queues, agents and call distribution."""
