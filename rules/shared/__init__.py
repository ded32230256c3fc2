"""What every treatment shares: the seed's core rules and pre-care instructions (``core``), the
catalog's rules a treatment's rule set picks by name (``catalog``), and the references they cite
(``sources``). A treatment's own folder, ``rules/treatments/<id>/``, names which it uses."""
