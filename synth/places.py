"""The synthetic area tree: codes, names, and its creation through ``areas.services``.

Code rule (so runs for different cities, or different code starts, never collide):

- city: the 2-digit province code (``31`` = Hải Phòng);
- commune ``i`` (0-based): 5 digits, ``commune_code_start + i``; the default start is
  ``city × 1000 + 1`` (city 31 → 31001, 31002 …), so each city owns 999 codes;
- district ``d`` (only when ``districts > 0``): 3 digits, ``city × 10 + d`` by default
  (city 31 → 310, 311 …);
- village ``v`` (1-based) of a commune: ``<commune code>-<v:02d>`` (``31001-03``).

An existing code is reused only when it sits at the same place in the tree and its
commune has no households yet; anything else is refused (``SynthRefused``).
"""

from dataclasses import dataclass, field

from django.core.management.base import CommandError
from django.db.models import Exists, OuterRef

from areas.models import Area, AreaKind
from areas.services import area_upsert
from server.errors import ValidationFailed
from surveys.models import Household

CITY_NAMES = {
    "01": ("Thành phố Hà Nội", AreaKind.CITY),
    "31": ("Thành phố Hải Phòng", AreaKind.CITY),
    "46": ("Thành phố Huế", AreaKind.CITY),
    "48": ("Thành phố Đà Nẵng", AreaKind.CITY),
    "79": ("Thành phố Hồ Chí Minh", AreaKind.CITY),
    "92": ("Thành phố Cần Thơ", AreaKind.CITY),
}

_NAMES_SOURCE = (
    "Hồng_Bàng Ngô_Quyền Lê_Chân Hải_An Kiến_An Đồ_Sơn Dương_Kinh An_Dương An_Lão Kiến_Thụy "
    "Tiên_Lãng Vĩnh_Bảo Thủy_Nguyên Cát_Hải Gia_Viên Lạch_Tray Đông_Hải Nam_Triệu Thiên_Hương "
    "Hòa_Bình Lưu_Kiếm Bạch_Đằng Lê_Ích_Mộc Quảng_Thanh An_Hưng An_Khánh An_Phong An_Hải Tân_Tiến "
    "Hồng_Phong Ngũ_Lão Tam_Hưng Lập_Lễ Phục_Lễ Kỳ_Sơn Minh_Tân Hải_Thành Nam_Sơn Đại_Hà Đoàn_Xá "
    "Tân_Trào Nghi_Dương Tân_Phong Đại_Thắng Tiên_Minh Quyết_Thắng Hùng_Thắng Vĩnh_Am "
    "Nguyễn_Bỉnh_Khiêm Vĩnh_Hải Tân_Minh Trấn_Dương Cộng_Hiền Cao_Minh Liên_Am Việt_Khê Chấn_Hưng "
    "Kênh_Giang Hưng_Đạo Đằng_Hải Đằng_Lâm Tràng_Cát Nam_Hải Thành_Tô Bắc_Sơn Văn_Đẩu Ngọc_Sơn "
    "Bàng_La Minh_Đức Phù_Liễn Tràng_Minh Đồng_Hòa Lãm_Hà Quán_Trữ An_Đồng Lê_Thiện Hồng_Thái "
    "Đặng_Cương Quốc_Tuấn Bát_Trang Trường_Thọ Trường_Thành An_Thắng Tân_Dân Thái_Sơn "
    "Tú_Sơn Thụy_Hương Đại_Đồng Ngũ_Phúc Kiến_Quốc Du_Lễ Thanh_Sơn Hữu_Bằng Toàn_Thắng "
    "Khởi_Nghĩa Tiên_Thắng Đông_Hưng Tây_Hưng Nam_Hưng Bắc_Hưng Cấp_Tiến Kiến_Thiết "
    "Vinh_Quang Cổ_Am Tam_Cường Giang_Biên Vĩnh_Long Trung_Lập Việt_Tiến"
)
# One name per word of the source ("_" joins the syllables of a name), without repeats.
PLACE_NAMES = tuple(dict.fromkeys(word.replace("_", " ") for word in _NAMES_SOURCE.split()))

URBAN_SHARE = 0.40  # Hải Phòng 2025: 45 phường of 114 communes
DISTRICT_NAMES = 15  # the first names of the list go to districts, the rest to communes


class SynthRefused(CommandError):
    """The run would collide with existing data; nothing was written."""


@dataclass
class VillagePlan:
    code: str
    name: str
    number: int
    commune: "CommunePlan"
    pk: int | None = None


@dataclass
class CommunePlan:
    code: str
    name: str
    urban: bool
    index: int
    district: "DistrictPlan | None" = None
    villages: list[VillagePlan] = field(default_factory=list)
    pk: int | None = None

    @property
    def short_name(self) -> str:
        return self.name.split(" ", 1)[1]


@dataclass
class DistrictPlan:
    code: str
    name: str


@dataclass
class CityPlan:
    code: str
    name: str
    kind: str
    districts: list[DistrictPlan]
    communes: list[CommunePlan]


def _place_name(i: int) -> str:
    """A place name for the i-th code of a city (numbered after the list runs out)."""
    base = PLACE_NAMES[i % len(PLACE_NAMES)]
    return base if i < len(PLACE_NAMES) else f"{base} {i // len(PLACE_NAMES) + 1}"


def plan_city(
    *,
    communes: int,
    villages_per_commune: int,
    city_code: str,
    city_name: str | None,
    districts: int,
    commune_code_start: int | None,
    district_code_start: int | None = None,
) -> CityPlan:
    """The area tree of a run, without touching the database."""
    city = int(city_code)
    start = commune_code_start if commune_code_start is not None else city * 1000 + 1
    if start < 1 or start + communes - 1 > 99999:
        raise SynthRefused(f"Commune codes {start}…{start + communes - 1} do not fit in 5 digits.")
    name, kind = CITY_NAMES.get(f"{city:02d}", (f"Tỉnh {city:02d}", AreaKind.PROVINCE))
    district_plans = _plan_districts(districts, city, district_code_start)
    urban_count = round(communes * URBAN_SHARE)
    plans = []
    for i in range(communes):
        urban = i < urban_count
        commune = CommunePlan(
            code=f"{start + i:05d}",
            name=f"{'Phường' if urban else 'Xã'} {_place_name(i + DISTRICT_NAMES)}",
            urban=urban,
            index=i,
            district=district_plans[i * len(district_plans) // communes]
            if district_plans
            else None,
        )
        commune.villages = [_plan_village(commune, v) for v in range(1, villages_per_commune + 1)]
        plans.append(commune)
    return CityPlan(
        code=f"{city:02d}",
        name=city_name or name,
        kind=kind,
        districts=district_plans,
        communes=plans,
    )


def _plan_districts(count: int, city: int, code_start: int | None) -> list[DistrictPlan]:
    start = code_start if code_start is not None else city * 10
    if count and start + count - 1 > 999:
        raise SynthRefused(f"District codes {start}…{start + count - 1} do not fit in 3 digits.")
    return [
        DistrictPlan(
            code=f"{start + d:03d}", name=f"{'Quận' if d < count / 2 else 'Huyện'} {_place_name(d)}"
        )
        for d in range(count)
    ]


def _plan_village(commune: CommunePlan, number: int) -> VillagePlan:
    label = "Tổ dân phố" if commune.urban else "Thôn"
    return VillagePlan(
        code=f"{commune.code}-{number:02d}",
        name=f"{label} {number}",
        number=number,
        commune=commune,
    )


def create_areas(plan: CityPlan) -> None:
    """Create (or reuse, when empty) the plan's areas and fill in their primary keys."""
    _refuse_collisions(plan)
    try:
        city = _city(plan)
        districts = {
            d.code: area_upsert(code=d.code, name=d.name, kind=AreaKind.DISTRICT, parent=city).area
            for d in plan.districts
        }
        for commune in plan.communes:
            parent = districts[commune.district.code] if commune.district else city
            area = area_upsert(
                code=commune.code, name=commune.name, kind=AreaKind.COMMUNE, parent=parent
            ).area
            commune.pk = area.pk
            for village in commune.villages:
                village.pk = area_upsert(
                    code=village.code, name=village.name, kind=AreaKind.VILLAGE, parent=area
                ).area.pk
    except ValidationFailed as error:
        raise SynthRefused(f"The area tree cannot be created: {error.errors}") from error


def _city(plan: CityPlan) -> Area:
    existing = Area.objects.exclude(kind=AreaKind.VILLAGE).filter(code=plan.code).first()
    if existing is not None and existing.kind in (AreaKind.CITY, AreaKind.PROVINCE):
        return existing  # keep its name: another run or the admin may have set it
    return area_upsert(code=plan.code, name=plan.name, kind=plan.kind, parent=None).area


def _refuse_collisions(plan: CityPlan) -> None:
    wanted = {d.code: (AreaKind.DISTRICT, plan.code) for d in plan.districts}
    for c in plan.communes:
        wanted[c.code] = (AreaKind.COMMUNE, c.district.code if c.district else plan.code)
    existing = (
        Area.objects.exclude(kind=AreaKind.VILLAGE).filter(code__in=wanted).select_related("parent")
    )
    for area in existing:
        kind, parent_code = wanted[area.code]
        if area.kind != kind or area.parent is None or area.parent.code != parent_code:
            raise SynthRefused(
                f"Code {area.code} already belongs to {area} elsewhere in the tree; "
                "choose another --city or --code-start."
            )
    occupied = Area.objects.filter(
        kind=AreaKind.COMMUNE, code__in=[c.code for c in plan.communes]
    ).filter(Exists(Household.objects.filter(commune=OuterRef("pk"))))
    taken = sorted(occupied.values_list("code", flat=True))
    if taken:
        raise SynthRefused(
            f"Communes {', '.join(taken[:5])}{'…' if len(taken) > 5 else ''} already have households; "
            "synth never adds to existing data. Use another --city or --code-start, or an empty database."
        )
