# The deployment under test (RIVER_TEST_PGBOUNCER) applies to every process of the suite,
# including the programs it starts with ``python -m tests.programs.X``.
from tests._pgbouncer import install as _install_deployment

_install_deployment()
