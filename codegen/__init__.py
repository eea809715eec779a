"""Writers for HLS C++ projects and Verilog RTL."""
