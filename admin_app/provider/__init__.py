"""The provider role: socialservices as the OpenID Connect provider of a site's
applications (the applications, the protocol's endpoints, the keys that sign)."""
