"""The Twilio edge: signed webhooks, TwiML, and the outbound gateway."""
