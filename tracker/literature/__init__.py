"""Literature: search queries generated from the store, statistics over stored papers."""
