package io.kaagent.bench.process;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;

/** A sample of numbers: median and spread (p10/p90, nearest rank), nothing that assumes a normal distribution. */
final class Stats {
    private final List<Double> values = new ArrayList<>();

    void add(double value) {
        values.add(value);
    }

    int count() {
        return values.size();
    }

    double median() {
        return percentile(50);
    }

    double percentile(double p) {
        if (values.isEmpty()) {
            return Double.NaN;
        }
        List<Double> sorted = new ArrayList<>(values);
        Collections.sort(sorted);
        if (p == 50 && sorted.size() % 2 == 0) {
            return (sorted.get(sorted.size() / 2 - 1) + sorted.get(sorted.size() / 2)) / 2;
        }
        int rank = (int) Math.ceil(p / 100.0 * sorted.size());
        return sorted.get(Math.max(0, Math.min(sorted.size() - 1, rank - 1)));
    }

    /** The differences {@code this[i] - other[i]}, for samples taken side by side (one value of each per round). */
    Stats minus(Stats other) {
        Stats differences = new Stats();
        for (int i = 0; i < Math.min(values.size(), other.values.size()); i++) {
            differences.add(values.get(i) - other.values.get(i));
        }
        return differences;
    }

    double min() {
        return percentile(0);
    }

    double max() {
        return percentile(100);
    }

    static String f0(double value) {
        return Double.isNaN(value) ? "-" : String.format(Locale.ROOT, "%.0f", value);
    }

    static String f1(double value) {
        return Double.isNaN(value) ? "-" : String.format(Locale.ROOT, "%.1f", value);
    }

    static String f2(double value) {
        return Double.isNaN(value) ? "-" : String.format(Locale.ROOT, "%.2f", value);
    }

    /** A difference with its sign: "+12.3". */
    static String signed1(double value) {
        return Double.isNaN(value) ? "-" : String.format(Locale.ROOT, "%+.1f", value);
    }

    /** Median with its sign and the whole range: "+1.23 [-0.4..+2.9]". */
    String signedRange() {
        return signed2(median()) + " [" + signed1(min()) + ".." + signed1(max()) + "]";
    }

    static String signed2(double value) {
        return Double.isNaN(value) ? "-" : String.format(Locale.ROOT, "%+.2f", value);
    }
}
