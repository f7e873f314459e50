from tests.ledgers.conftest import campaign, media_in_tmp, standard  # noqa: F401  (the ledger tests' campaign)
