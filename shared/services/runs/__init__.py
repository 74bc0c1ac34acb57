"""A scheduler run: its lifecycle (:mod:`.lifecycle`), its record (:mod:`.summary`) and its work
(:mod:`.work`). The public names are re-exported by :mod:`shared.services.scheduling`."""
