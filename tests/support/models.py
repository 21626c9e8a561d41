"""Names the suite's Hub double serves its fixtures under."""

TEST_ORG = "hfbrowse-test"


def hub_id(name: str) -> str:
    """``tiny-gpt2`` → the Hub id the double serves that fixture as."""
    return f"{TEST_ORG}/{name}"
