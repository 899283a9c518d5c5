"""The web layer: the server and its routes, the sign-in lane, security headers, the
browser cookie and the page frame. With pages/, the only code that knows NiceGUI."""
