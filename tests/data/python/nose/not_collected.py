"""Its name does not match nose's pattern: never imported."""
raise AssertionError("imported")
