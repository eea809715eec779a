# vitis_hls -f build_prj.tcl -tclargs csim=1 synth=1 cosim=0 export=0
# (the steps left out keep the values below)
array set opt {csim 0 synth 1 cosim 0 export 0}
foreach arg $argv {
    set pair [split $arg "="]
    if {[llength $pair] == 2 && [info exists opt([lindex $pair 0])]} {
        set opt([lindex $pair 0]) [lindex $pair 1]
    }
}

open_project -reset myproject_prj
set_top myproject
add_files firmware/myproject.cpp -cflags "-std=c++14 -I firmware -I firmware/hls_src"
add_files -tb myproject_test.cpp -cflags "-std=c++14 -I firmware -I firmware/hls_src"
add_files -tb tb_data
open_solution -reset "solution1" -flow_target vivado
set_part {xcvu13p-flga2577-2-e}
create_clock -period 5 -name default

if {$opt(csim)} { csim_design }
if {$opt(synth)} { csynth_design }
if {$opt(cosim)} { cosim_design -trace_level none }
if {$opt(export)} { export_design -format ip_catalog }
exit
