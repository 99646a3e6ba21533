"""How a site's place reads: its name, city and country without saying a name twice."""


def place_label(*parts: str) -> str:
    """'Visp, Visp, Switzerland' reads 'Visp, Switzerland': empty parts and repeats of an
    earlier part (ignoring case and spacing) are left out."""
    kept: list[str] = []
    seen: set[str] = set()
    for part in parts:
        text = " ".join(str(part or "").split())
        key = text.casefold()
        if text and key not in seen:
            kept.append(text)
            seen.add(key)
    return ", ".join(kept)
