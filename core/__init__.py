"""The mechanisms every app shares, one copy each. Imports no app of ours."""
