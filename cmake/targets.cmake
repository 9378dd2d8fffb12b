# The product as layers, each a static library over its list in cmake/sources.cmake:
#   core (pure: the model, planners, Result, Duration; links fmt only)
#   <- support (log, failpoints), net (the HTTP transport etcd and OpenStack share)
#   <- config, openstack, store, coordination, report (adapters)
#   <- conductor, api, cli (the application) <- the staffeln executable (src/main.cc).
# A layer links only the layers below it. include/ is one tree shared by all layers, so a header
# of a forbidden layer is found by the compiler; what keeps layers apart is the link graph
# (scripts/check-layers fails the build when core links more than fmt) and third-party
# libraries linked PRIVATE where only a layer's sources use them: their definitions and
# libraries do not reach other layers. A dependency is PUBLIC where a header of the layer
# includes it (SQLiteCpp in store/database.h, nlohmann_json in openstack/json_fields.h).
include(${CMAKE_CURRENT_LIST_DIR}/sources.cmake)

add_library(staffeln_core STATIC ${STAFFELN_CORE_SOURCES})
target_link_libraries(staffeln_core PUBLIC staffeln_options fmt::fmt-header-only)

add_library(staffeln_support STATIC ${STAFFELN_SUPPORT_SOURCES})
# nlohmann_json writes use_json's lines; libsystemd sends use_journal's fields and sd_notify.
target_link_libraries(staffeln_support PUBLIC staffeln_core PRIVATE nlohmann_json::nlohmann_json ${SYSTEMD_LIBRARY})
target_include_directories(staffeln_support PRIVATE ${SYSTEMD_INCLUDE_DIR})

# Generic HTTP over libcurl (src/net, namespace staffeln::net): OpenStack, etcd and Kubernetes share it.
add_library(staffeln_net STATIC ${STAFFELN_NET_SOURCES})
target_link_libraries(staffeln_net PUBLIC staffeln_core PRIVATE CURL::libcurl Threads::Threads)

add_library(staffeln_config STATIC ${STAFFELN_CONFIG_SOURCES})
# coordination for the grammar of [coordination] backend_url, checked when the file is read.
# date-tz resolves [conductor] timezone into the core's table of offsets (config/time_zone.h).
target_link_libraries(staffeln_config PUBLIC staffeln_core PRIVATE staffeln_support staffeln_coordination date::date-tz)

add_library(staffeln_openstack STATIC ${STAFFELN_OPENSTACK_SOURCES})
target_link_libraries(staffeln_openstack
  PUBLIC staffeln_core staffeln_net staffeln_config nlohmann_json::nlohmann_json
  PRIVATE staffeln_support ${YAML_CPP_STATIC} Threads::Threads)

add_library(staffeln_store STATIC ${STAFFELN_STORE_SOURCES})
target_link_libraries(staffeln_store
  PUBLIC staffeln_core SQLiteCpp
  PRIVATE staffeln_support ${MARIADB_LIBRARY} nlohmann_json::nlohmann_json Threads::Threads)
target_include_directories(staffeln_store PRIVATE ${MARIADB_INCLUDE_DIR})

add_library(staffeln_coordination STATIC ${STAFFELN_COORDINATION_SOURCES})
target_link_libraries(staffeln_coordination
  PUBLIC staffeln_core staffeln_net nlohmann_json::nlohmann_json
  PRIVATE staffeln_support ${YAML_CPP_STATIC} Threads::Threads)

add_library(staffeln_report STATIC ${STAFFELN_REPORT_SOURCES})
target_link_libraries(staffeln_report
  PUBLIC staffeln_core staffeln_config staffeln_openstack staffeln_store
    nlohmann_json::nlohmann_json
  PRIVATE staffeln_support mstch::mstch CURL::libcurl)

add_library(staffeln_conductor STATIC ${STAFFELN_CONDUCTOR_SOURCES})
target_link_libraries(staffeln_conductor
  PUBLIC staffeln_core staffeln_config staffeln_coordination staffeln_openstack staffeln_report
    staffeln_store
  PRIVATE staffeln_support Threads::Threads)

add_library(staffeln_api STATIC ${STAFFELN_API_SOURCES})
target_link_libraries(staffeln_api
  PUBLIC staffeln_core staffeln_openstack staffeln_store
  PRIVATE staffeln_support staffeln_httplib Threads::Threads)

add_library(staffeln_cli STATIC ${STAFFELN_CLI_SOURCES})
target_link_libraries(staffeln_cli
  PUBLIC staffeln_api staffeln_conductor staffeln_config staffeln_coordination staffeln_openstack
    staffeln_report staffeln_store
  PRIVATE staffeln_support CLI11::CLI11 Threads::Threads)
