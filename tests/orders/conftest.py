import pytest

from tests.orders.factories import ProductFactory, install_limits


@pytest.fixture
def catalog(db):
    """Discount limits (agent 5%, manager 15%, head 30%, admin 100%) and two products."""
    install_limits()
    return {
        "broadband": ProductFactory(sku="BB-1", name="企业宽带", list_price="1000.00"),
        "cloud": ProductFactory(sku="CL-1", name="云服务器", list_price="250.50"),
    }
