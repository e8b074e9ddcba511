"""The 17 first-level regions of Korea, keyed by one canonical code: the TourAPI area code.

Korea has several region code systems (TourAPI area codes, administrative sido codes, 10-digit
legal-dong codes, KMA medium-range region ids). The previous system mixed four of them and mapped
one code to two provinces, so here every other system is an explicit, tested mapping from the
TourAPI code. KMA grid cells are *computed* from each representative point (never hand-copied).

Administrative codes are the current ones: Gangwon became 51 (2023) and Jeonbuk 52 (2024);
their former codes 42 and 45 are kept in ``former_admin_code`` so older data can still be joined.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from weather_flick_batch.core.grid import GridCell, latlon_to_grid


@dataclass(frozen=True)
class Province:
    area_code: int  # TourAPI area code: the canonical key
    admin_code: str  # administrative (sido) code, two digits
    name_ko: str
    name_en: str
    capital_ko: str  # the representative point's place
    latitude: float
    longitude: float
    mid_land_reg_id: str  # KMA medium-range land forecast region (getMidLandFcst)
    mid_ta_reg_id: str  # KMA medium-range temperature city (getMidTa)
    former_admin_code: str | None = None
    grid: GridCell = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "grid", latlon_to_grid(self.latitude, self.longitude))

    @property
    def legal_dong_code(self) -> str:
        """The 10-digit legal-dong code of the province itself (sido level)."""
        return f"{self.admin_code}00000000"


# Representative points are the city halls / provincial offices (coordinates to ~100 m).
PROVINCES: tuple[Province, ...] = (
    Province(1, "11", "서울특별시", "Seoul", "서울시청", 37.5665, 126.9780, "11B00000", "11B10101"),
    Province(2, "28", "인천광역시", "Incheon", "인천시청", 37.4563, 126.7052, "11B00000", "11B20201"),
    Province(3, "30", "대전광역시", "Daejeon", "대전시청", 36.3504, 127.3845, "11C20000", "11C20401"),
    Province(4, "27", "대구광역시", "Daegu", "대구시청", 35.8714, 128.6014, "11H10000", "11H10701"),
    Province(5, "29", "광주광역시", "Gwangju", "광주시청", 35.1595, 126.8526, "11F20000", "11F20501"),
    Province(6, "26", "부산광역시", "Busan", "부산시청", 35.1796, 129.0756, "11H20000", "11H20201"),
    Province(7, "31", "울산광역시", "Ulsan", "울산시청", 35.5384, 129.3114, "11H20000", "11H20101"),
    Province(8, "36", "세종특별자치시", "Sejong", "세종시청", 36.4801, 127.2890, "11C20000", "11C20404"),
    Province(31, "41", "경기도", "Gyeonggi", "수원시청", 37.2636, 127.0286, "11B00000", "11B20601"),
    Province(32, "51", "강원특별자치도", "Gangwon", "춘천시청", 37.8813, 127.7298, "11D10000", "11D10301", "42"),
    Province(33, "43", "충청북도", "Chungbuk", "청주시청", 36.6424, 127.4890, "11C10000", "11C10301"),
    Province(34, "44", "충청남도", "Chungnam", "충남도청(홍성)", 36.6588, 126.6728, "11C20000", "11C20104"),
    Province(35, "47", "경상북도", "Gyeongbuk", "경북도청(안동)", 36.5760, 128.5056, "11H10000", "11H10501"),
    Province(36, "48", "경상남도", "Gyeongnam", "창원시청", 35.2280, 128.6811, "11H20000", "11H20301"),
    Province(37, "52", "전북특별자치도", "Jeonbuk", "전주시청", 35.8242, 127.1480, "11F10000", "11F10201", "45"),
    Province(38, "46", "전라남도", "Jeonnam", "전남도청(무안)", 34.8161, 126.4629, "11F20000", "21F20801"),
    Province(39, "50", "제주특별자치도", "Jeju", "제주시청", 33.4996, 126.5312, "11G00000", "11G00201"),
)

PROVINCE_BY_AREA_CODE: dict[int, Province] = {p.area_code: p for p in PROVINCES}
AREA_CODE_BY_ADMIN_CODE: dict[str, int] = {
    **{p.admin_code: p.area_code for p in PROVINCES},
    **{p.former_admin_code: p.area_code for p in PROVINCES if p.former_admin_code},
}


def province(area_code: int) -> Province:
    """The province for a TourAPI area code, with a clear error for an unknown one."""
    try:
        return PROVINCE_BY_AREA_CODE[int(area_code)]
    except (KeyError, ValueError, TypeError):
        known = ", ".join(str(c) for c in sorted(PROVINCE_BY_AREA_CODE))
        raise ValueError(f"unknown TourAPI area code {area_code!r} (known: {known})") from None


def area_code_for_admin_code(admin_code: str) -> int:
    """TourAPI area code for an administrative (sido) code or the first two digits of a legal-dong code."""
    key = str(admin_code)[:2]
    if key not in AREA_CODE_BY_ADMIN_CODE:
        raise ValueError(f"unknown administrative region code {admin_code!r}")
    return AREA_CODE_BY_ADMIN_CODE[key]
