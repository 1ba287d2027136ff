# Reads a secret through the configured provider (magnus-config.yaml's defaults) and records only its length.
try:
    from magnus import set_parameter
except ImportError:  # magnus before 0.5
    from magnus import store_parameter as set_parameter
from magnus import get_secret


def read_secret():
    set_parameter(secret_length=len(get_secret("api_key")))
