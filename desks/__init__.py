"""The desks: web pages for the people of the bus, served by their own process. Now the
tester's console (bus health, the clock, the message flow as a sequence diagram, the journal,
fault rules, scenarios, parked messages, the message log's chain)."""
