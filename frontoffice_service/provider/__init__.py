"""The provider's desk АРМ ГО (M9–M15): the akimat of a region receives the applications its
front offices send, unaltered (M3), with their term (M14); checks them (M10.1–M10.3); decides
with ЭЦП (M10.4), refusing with a motivated reason (M13); after an approval enters the
technical passport and the plate by hand (M12), which sends the applicant an SMS with the time
and place of issue (M11) and puts the document in their digital documents (M15).

The provider keeps its own machinery registry (`machine_registry`) and never imports the
front-office desk: what both need is the application's (`frontoffice_service.machinery`).
"""
