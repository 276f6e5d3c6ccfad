"""The visitor slip (two copies) and the visitor register for security."""


def visitor_slip(visit, site) -> bytes:
    raise NotImplementedError


def visitor_register(site, rows, start_on, end_on) -> bytes:
    raise NotImplementedError
