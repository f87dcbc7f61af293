"""Evidence grading: efficacy level (docs/domain.md) and study features per paper, with the cues
behind each call, a calibrated confidence, and human overrides that always win."""
