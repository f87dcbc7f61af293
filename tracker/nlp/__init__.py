"""Language processing on a blank spaCy pipeline: gazetteer, sentence splitting, cues."""
