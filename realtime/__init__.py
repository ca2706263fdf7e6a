"""Socket.IO for the screens: namespaces per audience, projection, the stream bridge and resume."""
