"""The provider's machinery registry (M10.3, M12): the machines an akimat registered, their
technical passports and plates, and the history of every registration act, as the provider's
desk (АРМ ГО) inside ИИС ЦОН 2.0 keeps them. Deregistered machines, annulled passports and
archived plates stay in it: that is the data archive M10.3 looks into.

- `check`: M10.3, what the registry says about the application's machine and plate;
- `entry`: M12, what the provider types in after the approval, checked and applied
  (`changes`: the changes of each action; `bmg`: БМГ issues the new plate);
- `seed`: the machines registered before the bus's data begins.
"""
