// Testbench of myproject: replays tb_data/inputs_raw.dat (raw input codes, one sample
// per line) and compares every output code with the emulator's, from
// tb_data/expected_raw.dat. Writes the codes it computed to tb_data/csim_results.dat
// and ends with PASS or FAIL (exit status 0 or 1).
#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>

#include "firmware/myproject.h"

static const unsigned MAX_REPORTED = 20;
static const char *output_names[1] = {"pool_out"};

static int bad_line(const char *file, unsigned long sample) {
    std::printf("ERROR: tb_data/%s: line %lu is short\n", file, sample + 1);
    return 2;
}

int main(int argc, char **argv) {
    const std::string dir = argc > 1 ? argv[1] : "tb_data";
    std::ifstream inputs((dir + "/inputs_raw.dat").c_str());
    std::ifstream expected_lines((dir + "/expected_raw.dat").c_str());
    std::ofstream results((dir + "/csim_results.dat").c_str());
    if (!inputs || !expected_lines || !results) {
        std::printf("ERROR: cannot open the files in %s\n", dir.c_str());
        return 2;
    }
    unsigned long mismatches[1] = {0};
    unsigned long sample = 0;
    unsigned reported = 0;
    std::string input_line, expected_line;
    while (std::getline(inputs, input_line) && std::getline(expected_lines, expected_line)) {
        std::istringstream in(input_line);
        std::istringstream expected(expected_line);
        x_t x[25];
        for (unsigned i = 0; i < 25; i++) {
            long long code = 0;
            if (!(in >> code)) return bad_line("inputs_raw.dat", sample);
            x[i].range() = code;
        }
        pool_out_t pool_out[8];
        hls::stream<x_pixel_t> x_stream("x");
        hls::stream<pool_out_pixel_t> pool_out_stream("pool_out");
        for (unsigned at = 0; at < 25; at += 1) {
            x_pixel_t pixel;
            for (unsigned c = 0; c < 1; c++) pixel.data[c] = x[at + c];
            x_stream.write(pixel);
        }
        myproject(x_stream, pool_out_stream);
        if (pool_out_stream.size() != 4) {
            std::printf("ERROR: sample %lu: output pool_out streamed %lu pixels, "
                        "not 4\n", sample,
                        (unsigned long)pool_out_stream.size());
            return 2;
        }
        for (unsigned at = 0; at < 8; at += 2) {
            const pool_out_pixel_t pixel = pool_out_stream.read();
            for (unsigned c = 0; c < 2; c++) pool_out[at + c] = pixel.data[c];
        }
        bool first = true;
        for (unsigned i = 0; i < 8; i++) {
            long long want = 0;
            if (!(expected >> want)) return bad_line("expected_raw.dat", sample);
            const ap_int<8> raw = pool_out[i].range();
            const long long got = raw.to_int64();
            results << (first ? "" : " ") << got;
            first = false;
            if (got != want) {
                mismatches[0]++;
                if (reported++ < MAX_REPORTED) {
                    std::printf("MISMATCH sample %lu output %s index %u: "
                                "expected %lld, got %lld\n",
                                sample, output_names[0], i, want, got);
                }
            }
        }
        results << "\n";
        sample++;
    }
    unsigned long total = 0;
    for (unsigned k = 0; k < 1; k++) {
        std::printf("output %s: %lu mismatches\n", output_names[k], mismatches[k]);
        total += mismatches[k];
    }
    std::printf("%s: %lu samples, %lu mismatches\n", total || sample == 0 ? "FAIL" : "PASS", sample, total);
    return total || sample == 0 ? 1 : 0;
}
