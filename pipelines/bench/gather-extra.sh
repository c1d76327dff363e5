#!/usr/bin/env bash
# Gathers the real terrain outside ../shared that the real-terrain bench reports apart and the
# reliability levels are fitted on (EXTRA_SOURCES in pipelines/bench/real-terrain-data.ts) from
# clones of their public repositories, at the commits the model card names, into
# ${VIGIE_REALDATA_EXTRA:-tmp/realdata-extra}. Nothing from it is committed (GPL-3 and
# no-licence files among them: local use only). Needs git and gdal_translate.
#
#   git clone https://github.com/linz/topo-imagery CLONES/topo-imagery
#   git clone https://github.com/LSDtopotools/ExampleTopoDatasets CLONES/ExampleTopoDatasets
#   git clone https://github.com/georgewoolsey/point_cloud_tree_detection_ex CLONES/point_cloud_tree_detection_ex
#   git clone https://github.com/GeoLarryLai/pyTopoComplexity CLONES/pyTopoComplexity
#   git clone https://github.com/Joseph-A-Mason/rayshader_simple CLONES/rayshader_simple
#   bash pipelines/bench/gather-extra.sh CLONES
set -euo pipefail
src=${1:?usage: gather-extra.sh FOLDER_WITH_THE_FIVE_CLONES}
out=${VIGIE_REALDATA_EXTRA:-tmp/realdata-extra}
show() { git -C "$src/$1" show "$2:$3" > "$4"; }
mkdir -p "$out/linz-canterbury" "$out/gabilan" "$out/quebec-forest" "$out/oso-wa" "$out/nebraska-canyons"
show topo-imagery 910f079d9b9c scripts/tests/data/DEM_BY23_2015_1000_0101.tif "$out/linz-canterbury/DEM_BY23_2015_1000_0101.tif"
tmp=$(mktemp -d)
show ExampleTopoDatasets efa185a7b468 gabilan.bil "$tmp/gabilan.bil"
show ExampleTopoDatasets efa185a7b468 gabilan.hdr "$tmp/gabilan.hdr"
# the ENVI header says UTM zone 11; Gabilan Mesa (35.9° N 120.8° W) is in zone 10
gdal_translate -q -a_srs EPSG:32610 -ot Float32 -co COMPRESS=DEFLATE "$tmp/gabilan.bil" "$out/gabilan/gabilan.tif"
rm -rf "$tmp"
show point_cloud_tree_detection_ex 71e5493c35ce dtm.tif "$out/quebec-forest/dtm.tif"
show pyTopoComplexity 5f386f91ac99 ExampleDEM/Ososlid2014_m_6ftgrid.tif "$out/oso-wa/Ososlid2014_m_6ftgrid.tif"
show rayshader_simple 7c1cecf86bf3 dem.tif "$out/nebraska-canyons/dem.tif"
echo "real terrain outside ../shared gathered into $out"
