"""NCALayer, emulated: the local signing application Kazakh e-government pages reach over a
WebSocket (`wss://127.0.0.1:13579`), answering its protocol with the personas' test keys."""
