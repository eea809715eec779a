// Streaming dataflow (io_stream): every tensor is an hls::stream of pixels, one pixel (every
// channel of one position, channels-last) per transfer; a flat tensor is a single pixel. Each
// function here is one process of the top function's DATAFLOW region and passes one image per
// call. The arithmetic is the io_parallel layers' own, applied to a pixel or to a window (OP_T,
// written by hlsfx per layer), so the bits are the same.
#ifndef HLSFX_STREAM_H_
#define HLSFX_STREAM_H_

#include "hls_stream.h"
#include "hlsfx_common.h"

namespace hlsfx {

template <class T, unsigned N> struct pixel {
    typedef T value_type;
    static const unsigned size = N;
    T data[N];
};

// OP_T::apply(x, y) on each of CONFIG_T::n_pixels pixels (element-wise layers, softmax and Dense
// over the last axis), a new pixel every reuse_factor cycles.
template <class data_T, class res_T, class CONFIG_T, class OP_T>
void pixel_map(hls::stream<data_T> &in, hls::stream<res_T> &out) {
PixelLoop:
    for (unsigned p = 0; p < CONFIG_T::n_pixels; p++) {
        #pragma HLS PIPELINE II=CONFIG_T::reuse_factor
        const data_T x = in.read();
        res_T y;
        OP_T::apply(x.data, y.data);
        out.write(y);
    }
}

// OP_T::apply(a, b, y) on pixel pairs (merges, and concatenation along the channels).
template <class a_T, class b_T, class res_T, class CONFIG_T, class OP_T>
void pixel_map2(hls::stream<a_T> &in_a, hls::stream<b_T> &in_b, hls::stream<res_T> &out) {
PixelLoop:
    for (unsigned p = 0; p < CONFIG_T::n_pixels; p++) {
        #pragma HLS PIPELINE II=CONFIG_T::reuse_factor
        const a_T a = in_a.read();
        const b_T b = in_b.read();
        res_T y;
        OP_T::apply(a.data, b.data, y.data);
        out.write(y);
    }
}

// Convolution and pooling over a line buffer. The input's pixels arrive in raster order; the
// last dilation_height * (filt_height - 1) + 1 rows are kept. An output position's window
// (gather_window's patch and inside[]) goes to OP_T::apply(patch, inside, y) once the last input
// pixel it reads (clamped to the image) has arrived and every position before it has gone, so
// the outputs leave in raster order.
template <class data_T, class res_T, class CONFIG_T, class OP_T>
void window_map(hls::stream<data_T> &in, hls::stream<res_T> &out) {
    typedef typename data_T::value_type value_t;
    const int rows = CONFIG_T::dilation_height * (CONFIG_T::filt_height - 1) + 1;
    const int width = CONFIG_T::in_width;
    const int chans = CONFIG_T::n_chan;
    value_t lines[rows][CONFIG_T::in_width * CONFIG_T::n_chan];
    int oh = 0, ow = 0;
InputRowLoop:
    for (int ih = 0; ih < int(CONFIG_T::in_height); ih++) {
    InputColumnLoop:
        for (int iw = 0; iw < width; iw++) {
            const data_T x = in.read();
        StoreLoop:
            for (int c = 0; c < chans; c++) {
                lines[ih % rows][iw * chans + c] = x.data[c];
            }
            const int arrived = ih * width + iw;
        EmitLoop:
            while (oh < int(CONFIG_T::out_height)) {
                int last_row = oh * int(CONFIG_T::stride_height) +
                               (int(CONFIG_T::filt_height) - 1) * int(CONFIG_T::dilation_height) -
                               int(CONFIG_T::pad_top);
                int last_col = ow * int(CONFIG_T::stride_width) +
                               (int(CONFIG_T::filt_width) - 1) * int(CONFIG_T::dilation_width) -
                               int(CONFIG_T::pad_left);
                if (last_row > int(CONFIG_T::in_height) - 1) last_row = CONFIG_T::in_height - 1;
                if (last_col > width - 1) last_col = width - 1;
                const int needed = last_row < 0 || last_col < 0 ? -1 : last_row * width + last_col;
                if (needed > arrived) break;
                value_t patch[CONFIG_T::filt_height * CONFIG_T::filt_width * CONFIG_T::n_chan];
                bool inside[CONFIG_T::filt_height * CONFIG_T::filt_width];
            TapRowLoop:
                for (int kh = 0; kh < int(CONFIG_T::filt_height); kh++) {
                TapColumnLoop:
                    for (int kw = 0; kw < int(CONFIG_T::filt_width); kw++) {
                        const int row = oh * int(CONFIG_T::stride_height) +
                                        kh * int(CONFIG_T::dilation_height) - int(CONFIG_T::pad_top);
                        const int col = ow * int(CONFIG_T::stride_width) +
                                        kw * int(CONFIG_T::dilation_width) - int(CONFIG_T::pad_left);
                        const int tap = kh * int(CONFIG_T::filt_width) + kw;
                        inside[tap] =
                            row >= 0 && row < int(CONFIG_T::in_height) && col >= 0 && col < width;
                    TapChannelLoop:
                        for (int c = 0; c < chans; c++) {
                            patch[tap * chans + c] =
                                inside[tap] ? lines[row % rows][col * chans + c] : value_t(0);
                        }
                    }
                }
                res_T y;
                OP_T::apply(patch, inside, y.data);
                out.write(y);
                if (++ow == int(CONFIG_T::out_width)) {
                    ow = 0;
                    oh++;
                }
            }
        }
    }
}

// Pooling whose window is the whole input (global pooling, no padding): each pixel folded into
// a running maximum or sum per channel as it arrives, in window order, so nothing is buffered.
template <class data_T, class res_T, class CONFIG_T>
void global_pool(hls::stream<data_T> &in, hls::stream<res_T> &out,
                 const typename CONFIG_T::recip_t
                     recip[CONFIG_T::filt_height * CONFIG_T::filt_width + 1]) {
    const unsigned window = CONFIG_T::filt_height * CONFIG_T::filt_width;
    typename data_T::value_type best[CONFIG_T::n_chan];
    typename CONFIG_T::accum_t total[CONFIG_T::n_chan];
PixelLoop:
    for (unsigned p = 0; p < window; p++) {
        #pragma HLS PIPELINE
        const data_T x = in.read();
    ChannelLoop:
        for (unsigned c = 0; c < CONFIG_T::n_chan; c++) {
            if (p == 0 || x.data[c] > best[c]) best[c] = x.data[c];
            total[c] = (p == 0 ? typename CONFIG_T::accum_t(0) : total[c]) + x.data[c];
        }
    }
    res_T y;
ResultLoop:
    for (unsigned c = 0; c < CONFIG_T::n_chan; c++) {
        if (CONFIG_T::average && CONFIG_T::divide) {
            total[c] /= window;
            y.data[c] = total[c];
        } else if (CONFIG_T::average) {
            y.data[c] = total[c] * recip[window];
        } else {
            y.data[c] = best[c];
        }
    }
    out.write(y);
}

// The same values in the same order, regrouped into pixels of another size (Reshape, Flatten),
// each cast to res_T's values.
template <class data_T, class res_T, class CONFIG_T>
void repack(hls::stream<data_T> &in, hls::stream<res_T> &out) {
    res_T y;
    unsigned k = 0;
PixelLoop:
    for (unsigned p = 0; p < CONFIG_T::in_pixels; p++) {
        const data_T x = in.read();
    ValueLoop:
        for (unsigned c = 0; c < data_T::size; c++) {
            y.data[k] = x.data[c];
            if (++k == res_T::size) {
                out.write(y);
                k = 0;
            }
        }
    }
}

// n pixels passed on, each value cast to res_T's.
template <class data_T, class res_T>
void copy_pixels(hls::stream<data_T> &in, hls::stream<res_T> &out, unsigned n) {
    #pragma HLS INLINE
CopyLoop:
    for (unsigned p = 0; p < n; p++) {
        const data_T x = in.read();
        res_T y;
        for (unsigned c = 0; c < res_T::size; c++) y.data[c] = x.data[c];
        out.write(y);
    }
}

// Concatenation along an axis before the channels: per outer index, a_pixels pixels of a, then
// b_pixels of b.
template <class a_T, class b_T, class res_T, class CONFIG_T>
void concat_pixels(hls::stream<a_T> &in_a, hls::stream<b_T> &in_b, hls::stream<res_T> &out) {
OuterLoop:
    for (unsigned o = 0; o < CONFIG_T::n_outer; o++) {
        copy_pixels(in_a, out, CONFIG_T::a_pixels);
        copy_pixels(in_b, out, CONFIG_T::b_pixels);
    }
}

// The n_in values of a whole tensor, read pixel by pixel.
template <class data_T, unsigned n_in>
void read_whole(hls::stream<data_T> &in, typename data_T::value_type values[n_in]) {
InputLoop:
    for (unsigned p = 0; p < n_in / data_T::size; p++) {
        const data_T x = in.read();
        for (unsigned c = 0; c < data_T::size; c++) values[p * data_T::size + c] = x.data[c];
    }
}

// Transpose, upsampling and slicing: the whole input held, then output value i is input
// value index[i].
template <class data_T, class res_T, class CONFIG_T>
void gather_pixels(hls::stream<data_T> &in, hls::stream<res_T> &out,
                   const unsigned index[CONFIG_T::n_out]) {
    typename data_T::value_type values[CONFIG_T::n_in];
    read_whole<data_T, CONFIG_T::n_in>(in, values);
OutputLoop:
    for (unsigned p = 0; p < CONFIG_T::n_out / res_T::size; p++) {
        res_T y;
        for (unsigned c = 0; c < res_T::size; c++) y.data[c] = values[index[p * res_T::size + c]];
        out.write(y);
    }
}

// Padding: as gather_pixels, and where index[i] is -1 the output value is the pad value.
template <class data_T, class res_T, class CONFIG_T>
void pad_pixels(hls::stream<data_T> &in, hls::stream<res_T> &out,
                const int index[CONFIG_T::n_out], const typename CONFIG_T::fill_t fill) {
    typename data_T::value_type values[CONFIG_T::n_in];
    read_whole<data_T, CONFIG_T::n_in>(in, values);
OutputLoop:
    for (unsigned p = 0; p < CONFIG_T::n_out / res_T::size; p++) {
        res_T y;
        for (unsigned c = 0; c < res_T::size; c++) {
            const int i = index[p * res_T::size + c];
            if (i < 0) {
                y.data[c] = fill;
            } else {
                y.data[c] = values[i];
            }
        }
        out.write(y);
    }
}

// A tensor of n_pixels pixels read by two processes: every pixel copied to both.
template <class data_T, unsigned n_pixels>
void fan_out(hls::stream<data_T> &in, hls::stream<data_T> &out_a, hls::stream<data_T> &out_b) {
PixelLoop:
    for (unsigned p = 0; p < n_pixels; p++) {
        #pragma HLS PIPELINE
        const data_T x = in.read();
        out_a.write(x);
        out_b.write(x);
    }
}

} // namespace hlsfx

#endif
