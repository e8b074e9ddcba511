"""KMA weather warnings (기상특보, ``WthrWrnInfoService``): codes, warning zones, parsing, sources.

Plain domain code, no Dagster: the asset layer wraps it. Importing this package imports nothing;
use the submodules:

* :mod:`.codes` - warnVar / warnStress / command codes and the outdoor-recommendation policy.
* :mod:`.zones` - warning zones (특보구역) to TourAPI provinces and districts.
* :mod:`.parsing` - getPwnCd events and getPwnStatus ``t6`` text to the warnings in force.
* :mod:`.client` - live and sample sources and :func:`.client.warnings_in_force`.
"""
