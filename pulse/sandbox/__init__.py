"""The local sandbox: a synthetic brand community and store, served over each platform's real API."""
