"""The desks: web pages for the people of the bus, served by their own process, one package a
family with its templates in a folder of the same name: `vin` (the dealer's, the buyer's
cabinet, the police officer's), `frontoffice` (the ЦОН operator's, the akimat officer's, the SMS
inbox) and `console` (the tester's). They share the login by ЭЦП (`login`), the page rendering
with its refusals (`pages`), the labels (`texts`) and the dependencies routes take
(`dependencies`)."""
