"""The DNS-SD records Parley announces, and reading them back (no network involved)."""

from __future__ import annotations

from backend.discovery import SERVICE_TYPE, Advert, instance_name, parse_info, service_info


def test_announcement_round_trips() -> None:
    advert = Advert(
        host_id="a1b2c3d4e5f6", name="Ana's laptop", version="0.1.0", port=7275, needs_code=True
    )
    info = service_info(advert, ["192.168.1.20", "10.0.0.5"])
    assert info.type == SERVICE_TYPE and info.name.endswith(f"(a1b2c3).{SERVICE_TYPE}")
    found = parse_info(info)
    assert found is not None
    assert found.to_wire() == {
        "host_id": "a1b2c3d4e5f6",
        "name": "Ana's laptop",
        "version": "0.1.0",
        "needs_code": True,
        "addresses": ["10.0.0.5", "192.168.1.20"],
        "urls": ["http://10.0.0.5:7275/", "http://192.168.1.20:7275/"],
        "fingerprint": None,
    }


def test_the_fingerprint_hint_travels_and_makes_the_urls_https() -> None:
    fp = "LX73UB2VQRAO4XNCKJU42FKDULVK23EQZSX2WDSRGQNGOE4LQKDQ"
    advert = Advert("a1b2", "x", "1", 7275, needs_code=True, fingerprint=fp)
    found = parse_info(service_info(advert, ["10.0.0.5"]))
    assert found is not None and found.fingerprint == fp
    assert found.to_wire()["urls"] == ["https://10.0.0.5:7275/"]
    # Anything else in the record is no fingerprint (it is a hint a LAN peer could forge anyway).
    forged = parse_info(service_info(Advert("a1b2", "x", "1", 1, True, fingerprint="<b>"), []))
    assert forged is not None and forged.fingerprint is None


def test_long_names_fit_a_dns_label() -> None:
    advert = Advert(host_id="ff" * 8, name="é" * 64, version="1", port=1, needs_code=False)
    label = instance_name(advert)[: -len(SERVICE_TYPE) - 1]
    assert len(label.encode("utf-8")) <= 63 and label.endswith("(ffffff)")


def test_open_host_and_missing_id() -> None:
    open_host = service_info(Advert("id1", "x", "1", 80, needs_code=False), ["10.0.0.1"])
    found = parse_info(open_host)
    assert found is not None and found.needs_code is False
    stranger = service_info(Advert("", "x", "1", 80, needs_code=False), ["10.0.0.1"])
    assert parse_info(stranger) is None  # not a Parley advert we can use
