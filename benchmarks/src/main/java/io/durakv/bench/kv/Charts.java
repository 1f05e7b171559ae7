package io.durakv.bench.kv;

import java.util.List;
import java.util.Locale;

/** Inline SVG bar charts for the HTML report: no scripts, no external files. */
final class Charts {

    private static final int LABEL_WIDTH = 80;
    private static final int BAR_AREA = 330;
    private static final int ROW = 18;
    private static final String OURS = "#d9480f";
    private static final String PEER = "#4c6ef5";
    private static final String[] LATENCY_COLOURS = {"#74c0fc", "#1c7ed6", "#0b3d91"};

    private Charts() {
    }

    /** Horizontal bars of ops/s, one per engine, DuraKV's engines in their own colour. */
    static String throughput(String title, List<Result> results) {
        double max = 1;
        for (Result r : results) {
            max = Math.max(max, r.opsPerSec());
        }
        int height = 24 + ROW * results.size() + 6;
        StringBuilder b = header(title, height);
        int y = 24;
        for (Result r : results) {
            boolean ours = Engines.byName(r.engine()).durakv();
            int w = (int) Math.round(r.opsPerSec() / max * BAR_AREA);
            b.append(label(r.engine(), y));
            b.append(String.format(Locale.ROOT, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"%s\"/>",
                    LABEL_WIDTH, y, Math.max(1, w), ROW - 4, ours ? OURS : PEER));
            b.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" font-size=\"11\">%,.0f</text>",
                    LABEL_WIDTH + Math.max(1, w) + 4, y + ROW - 7, r.opsPerSec()));
            y += ROW;
        }
        return b.append("</svg>\n").toString();
    }

    /** Per engine three thin bars, p50 / p99 / p99.9, on a log10 scale from 0.1 µs. */
    static String latency(String title, List<Result> results) {
        double maxLog = 1;
        for (Result r : results) {
            maxLog = Math.max(maxLog, scale(r.p999Nanos()));
        }
        int group = 3 * 6 + 4;
        int height = 24 + group * results.size() + 20;
        StringBuilder b = header(title, height);
        int y = 24;
        for (Result r : results) {
            b.append(label(r.engine(), y + 4));
            long[] values = {r.p50Nanos(), r.p99Nanos(), r.p999Nanos()};
            for (int i = 0; i < 3; i++) {
                int w = (int) Math.round(scale(values[i]) / maxLog * BAR_AREA);
                b.append(String.format(Locale.ROOT, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"5\" fill=\"%s\">"
                                + "<title>%s %s µs</title></rect>", LABEL_WIDTH, y + 6 * i, Math.max(1, w),
                        LATENCY_COLOURS[i], new String[] {"p50", "p99", "p99.9"}[i],
                        String.format(Locale.ROOT, "%.1f", values[i] / 1000.0)));
            }
            b.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" font-size=\"10\">%.1f / %.1f / %.1f</text>",
                    LABEL_WIDTH + BAR_AREA + 6, y + 12, values[0] / 1e3, values[1] / 1e3, values[2] / 1e3));
            y += group;
        }
        b.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" font-size=\"10\">"
                + "<tspan fill=\"%s\">■ p50</tspan> <tspan fill=\"%s\">■ p99</tspan> <tspan fill=\"%s\">■ p99.9"
                + "</tspan> (µs)</text>", LABEL_WIDTH, y + 12, LATENCY_COLOURS[0], LATENCY_COLOURS[1],
                LATENCY_COLOURS[2]));
        return b.append("</svg>\n").toString();
    }

    /** log10 of the latency in units of 0.1 µs, at least 0. */
    private static double scale(long nanos) {
        return Math.max(0, Math.log10(Math.max(1, nanos / 100.0)));
    }

    private static StringBuilder header(String title, int height) {
        StringBuilder b = new StringBuilder();
        b.append(String.format(Locale.ROOT, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\""
                + " role=\"img\">", LABEL_WIDTH + BAR_AREA + 170, height));
        b.append(String.format(Locale.ROOT, "<text x=\"0\" y=\"14\" font-size=\"12\" font-weight=\"bold\">%s</text>",
                Report.html(title)));
        return b;
    }

    private static String label(String engine, int y) {
        return String.format(Locale.ROOT, "<text x=\"0\" y=\"%d\" font-size=\"11\">%s</text>", y + ROW - 7,
                Report.html(engine));
    }
}
