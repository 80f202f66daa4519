"""The phrasebook as a live, versioned thing: reloads, their history, what editors see."""
