package io.biomatch.bench.report;

import com.google.gson.GsonBuilder;
import io.biomatch.core.Engine;
import io.biomatch.core.SharedData;
import io.biomatch.core.spi.Modality;
import java.awt.Color;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.markers.SeriesMarkers;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * One accuracy report for every modality present in this build: for each labelled set on the shared data,
 * a DET curve (FNMR against FMR, log axes), a CMC curve, genuine/impostor score histograms and a thresholds
 * table; PNG plots, one HTML page and JSON.
 */
@Command(name = "report", mixinStandardHelpOptions = true,
        description = "Accuracy report of every modality on the shared data: DET, CMC, histograms, thresholds (HTML, PNG, JSON).")
public final class ReportCommand implements Callable<Integer> {
    @Option(names = "--shared", description = "shared data folder (default: ../shared/data next to the repository)")
    Path shared;

    @Option(names = {"-o", "--out"}, defaultValue = "biomatch-report", description = "output folder (default: ${DEFAULT-VALUE})")
    Path out;

    @Option(names = "--dna-people", defaultValue = "200", description = "NIST people in the DNA set (default: ${DEFAULT-VALUE})")
    int dnaPeople;

    @Option(names = "--max-rank", defaultValue = "20")
    int maxRank;

    @Override
    public Integer call() throws IOException {
        Path data = shared != null ? shared : SharedData.require(".");
        Files.createDirectories(out);
        Map<String, Modality<?>> modalities = new LinkedHashMap<>();
        for (Modality<?> m : Engine.discoverModalities()) {
            modalities.put(m.name(), m);
        }
        List<LabelledEval.Set> sets = new ArrayList<>();
        if (modalities.containsKey("fingerprint") && Files.isDirectory(data.resolve("fingerprint"))) {
            try (Stream<Path> s = Files.list(data.resolve("fingerprint"))) {
                s.filter(p -> p.getFileName().toString().startsWith("fvc") && Files.isDirectory(p))
                        .filter(p -> hasImages(p)).sorted().forEach(p -> sets.add(SharedSets.fingerprints(p)));
            }
        }
        if (modalities.containsKey("face") && Files.isDirectory(data.resolve("face/images"))) {
            sets.add(SharedSets.faces(data));
        }
        if (modalities.containsKey("dna") && Files.exists(data.resolve("dna/frequencies/nist1036_genotypes_29loci.csv"))) {
            sets.add(SharedSets.dna(data, dnaPeople, 7));
        }
        List<LabelledEval.Result> results = new ArrayList<>();
        for (LabelledEval.Set set : sets) {
            long t0 = System.nanoTime();
            System.err.printf("evaluating %s (%d samples) ...%n", set.title(), set.samples().size());
            LabelledEval.Result r = LabelledEval.run(modalities.get(set.modality()), set, maxRank);
            System.err.printf("  done in %.1f s: EER %.2f %%, rank-1 %.1f %%%n", (System.nanoTime() - t0) / 1e9,
                    100 * r.eer(), 100 * r.rank1());
            results.add(r);
        }
        Map<String, List<LabelledEval.Result>> byModality = new LinkedHashMap<>();
        for (LabelledEval.Result r : results) {
            byModality.computeIfAbsent(r.modality(), k -> new ArrayList<>()).add(r);
        }
        StringBuilder html = new StringBuilder("<!doctype html><html><head><meta charset=\"utf-8\"><title>biomatch accuracy report"
                + "</title><style>body{font-family:sans-serif;margin:2em;max-width:1100px}td,th{padding:3px 10px;"
                + "border-bottom:1px solid #ddd;text-align:right}th:first-child,td:first-child{text-align:left}"
                + "img{max-width:520px;margin:4px}</style></head><body><h1>biomatch accuracy report</h1>"
                + "<p>Shared data: " + esc(data.toString()) + ". Every sample is enrolled and used as a probe; ordered pairs of the "
                + "same identity are genuine, the others impostor; identification is leave-one-out (rank of the first "
                + "sample of the probe's identity among all others).</p>");
        for (var e : byModality.entrySet()) {
            String m = e.getKey();
            List<LabelledEval.Result> rs = e.getValue();
            html.append("<h2>").append(esc(m)).append("</h2><p>Score: ").append(esc(rs.get(0).scoreMeaning().scale()))
                    .append("; default threshold ").append(rs.get(0).scoreMeaning().defaultThreshold()).append(" = ")
                    .append(esc(rs.get(0).scoreMeaning().thresholdMeaning())).append("</p>");
            String det = m + "-det.png";
            String cmc = m + "-cmc.png";
            BitmapEncoder.saveBitmap(detChart(m, rs), out.resolve(det).toString(), BitmapEncoder.BitmapFormat.PNG);
            BitmapEncoder.saveBitmap(cmcChart(m, rs), out.resolve(cmc).toString(), BitmapEncoder.BitmapFormat.PNG);
            html.append("<img src=\"").append(det).append("\"><img src=\"").append(cmc).append("\">");
            for (int i = 0; i < rs.size(); i++) {
                String hist = m + "-hist-" + i + ".png";
                BitmapEncoder.saveBitmap(histogram(rs.get(i)), out.resolve(hist).toString(), BitmapEncoder.BitmapFormat.PNG);
                html.append("<img src=\"").append(hist).append("\">");
            }
            html.append("<table><tr><th>set</th><th>samples</th><th>identities</th><th>FTE</th><th>genuine / impostor pairs</th>"
                    + "<th>EER</th><th>rank-1</th><th>rank-10</th><th>comparisons/s</th></tr>");
            for (LabelledEval.Result r : rs) {
                html.append(String.format(Locale.ROOT, "<tr><td>%s</td><td>%d</td><td>%d</td><td>%d</td><td>%d / %d</td>"
                                + "<td>%.2f %%</td><td>%.1f %%</td><td>%.1f %%</td><td>%,.0f</td></tr>", esc(r.title()), r.samples(),
                        r.identities(), r.failedToEnrol(), r.genuinePairs(), r.impostorPairs(), 100 * r.eer(),
                        100 * r.rank1(), 100 * r.cmc()[Math.min(9, r.cmc().length - 1)], r.comparisonsPerSecond()));
            }
            html.append("</table><h3>Thresholds</h3><table><tr><th>set</th><th>operating point</th><th>threshold</th><th>FMR</th><th>FNMR</th></tr>");
            for (LabelledEval.Result r : rs) {
                for (LabelledEval.Operating o : r.operatingPoints()) {
                    html.append(String.format(Locale.ROOT, "<tr><td>%s</td><td>%s</td><td>%.4g</td><td>%.4f %%</td><td>%.2f %%</td></tr>",
                            esc(r.title()), esc(o.what()), o.threshold(), 100 * o.fmr(), 100 * o.fnmr()));
                }
            }
            html.append("</table><p>FMR targets below 1 / impostor pairs cannot be measured on these sets: their thresholds"
                    + " lie above every impostor score seen.</p>");
        }
        html.append("</body></html>\n");
        Files.writeString(out.resolve("report.html"), html);
        Files.writeString(out.resolve("report.json"), new GsonBuilder().setPrettyPrinting()
                .serializeSpecialFloatingPointValues().create().toJson(summaries(results)));
        System.out.println("wrote " + out.resolve("report.html") + ", report.json and " + (byModality.size() * 2 + results.size())
                + " PNG plots");
        for (LabelledEval.Result r : results) {
            System.out.printf(Locale.ROOT, "  %-12s %-55s EER %6.2f %%  rank-1 %5.1f %%  (%d samples, %d FTE)%n", r.modality(),
                    r.title(), 100 * r.eer(), 100 * r.rank1(), r.samples(), r.failedToEnrol());
        }
        return 0;
    }

    private static boolean hasImages(Path dir) {
        try (Stream<Path> s = Files.list(dir)) {
            return s.anyMatch(p -> p.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".tif"));
        } catch (IOException e) {
            return false;
        }
    }

    /** The JSON: everything but the raw score arrays (kept short). */
    private static List<Map<String, Object>> summaries(List<LabelledEval.Result> rs) {
        List<Map<String, Object>> out = new ArrayList<>();
        for (LabelledEval.Result r : rs) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("modality", r.modality());
            m.put("set", r.title());
            m.put("samples", r.samples());
            m.put("identities", r.identities());
            m.put("failedToEnrol", r.failedNames());
            m.put("genuinePairs", r.genuinePairs());
            m.put("impostorPairs", r.impostorPairs());
            m.put("eer", r.eer());
            m.put("eerThreshold", r.eerThreshold());
            m.put("operatingPoints", r.operatingPoints());
            m.put("cmc", r.cmc());
            m.put("rankedProbes", r.probes());
            m.put("scoreMeaning", r.scoreMeaning());
            m.put("extractMillisPerSample", r.extractMillisPerSample());
            m.put("comparisonsPerSecond", r.comparisonsPerSecond());
            out.add(m);
        }
        return out;
    }

    /** DET: FNMR against FMR on log axes; zero rates are drawn at half of one pair (the resolution). */
    static XYChart detChart(String modality, List<LabelledEval.Result> rs) {
        XYChart c = new XYChartBuilder().width(640).height(480).title(modality + ": DET curve")
                .xAxisTitle("false match rate (FMR, log)").yAxisTitle("false non-match rate (FNMR, log)").build();
        c.getStyler().setXAxisLogarithmic(true).setYAxisLogarithmic(true).setMarkerSize(3)
                .setLegendPosition(org.knowm.xchart.style.Styler.LegendPosition.InsideNE);
        for (LabelledEval.Result r : rs) {
            float[] g = r.genuine();
            float[] im = r.impostor();
            if (g.length == 0 || im.length == 0) {
                continue;
            }
            double fmrFloor = 0.5 / im.length;
            double fnmrFloor = 0.5 / g.length;
            List<Double> xs = new ArrayList<>();
            List<Double> ys = new ArrayList<>();
            float[] all = concat(g, im);
            for (int i = 0; i < all.length; i += Math.max(1, all.length / 400)) {
                float t = all[i];
                xs.add(Math.max(fmrFloor, LabelledEval.fmr(im, t)));
                ys.add(Math.max(fnmrFloor, LabelledEval.fnmr(g, t)));
            }
            XYSeries s = c.addSeries(shortName(r.title()), xs, ys);
            s.setMarker(SeriesMarkers.NONE);
        }
        return c;
    }

    static XYChart cmcChart(String modality, List<LabelledEval.Result> rs) {
        XYChart c = new XYChartBuilder().width(640).height(480).title(modality + ": CMC curve (leave-one-out)")
                .xAxisTitle("rank").yAxisTitle("identification rate (fraction of probes)").build();
        c.getStyler().setYAxisMin(0.0).setYAxisMax(1.0)
                .setLegendPosition(org.knowm.xchart.style.Styler.LegendPosition.InsideSE);
        for (LabelledEval.Result r : rs) {
            List<Integer> xs = new ArrayList<>();
            List<Double> ys = new ArrayList<>();
            for (int k = 0; k < r.cmc().length; k++) {
                xs.add(k + 1);
                ys.add(Double.isNaN(r.cmc()[k]) ? 0 : r.cmc()[k]);
            }
            c.addSeries(shortName(r.title()), xs, ys);
        }
        return c;
    }

    /** Genuine and impostor score histograms (fraction of pairs per bin); no-match scores are left out. */
    static XYChart histogram(LabelledEval.Result r) {
        float[] g = finite(r.genuine());
        float[] im = finite(r.impostor());
        XYChart c = new XYChartBuilder().width(640).height(480).title(shortName(r.title()) + ": score distributions")
                .xAxisTitle("score (" + r.scoreMeaning().scale() + ")").yAxisTitle("fraction of pairs per bin").build();
        c.getStyler().setLegendPosition(org.knowm.xchart.style.Styler.LegendPosition.InsideNE).setMarkerSize(0);
        float[] all = concat(g, im);
        if (all.length == 0) {
            return c;
        }
        double lo = all[0];
        double hi = all[all.length - 1];
        int bins = 40;
        double w = Math.max(1e-9, (hi - lo) / bins);
        double top = Math.max(
                addHist(c, label("genuine", g.length, r.genuine().length), g, lo, w, bins, new Color(0, 120, 0)),
                addHist(c, label("impostor", im.length, r.impostor().length), im, lo, w, bins, new Color(180, 0, 0))) * 1.15;
        XYSeries t = c.addSeries("default threshold " + r.scoreMeaning().defaultThreshold(),
                new double[] {r.scoreMeaning().defaultThreshold(), r.scoreMeaning().defaultThreshold()}, new double[] {0, top});
        t.setLineColor(Color.DARK_GRAY);
        t.setMarker(SeriesMarkers.NONE);
        c.getStyler().setYAxisMax(top).setYAxisMin(0.0);
        return c;
    }

    /** Series name; says how many pairs had no score (no match, e.g. DNA stringency) and are not drawn. */
    private static String label(String what, int drawn, int all) {
        return drawn == all ? what + " (" + all + " pairs)"
                : what + " (" + drawn + " of " + all + " pairs; " + (all - drawn) + " no match, not drawn)";
    }

    /** Adds one histogram series; returns its highest bin. */
    private static double addHist(XYChart c, String name, float[] v, double lo, double w, int bins, Color color) {
        if (v.length == 0) { // keep it in the legend, which says why nothing is drawn
            XYSeries s = c.addSeries(name, new double[] {lo}, new double[] {0});
            s.setLineColor(color);
            s.setMarker(SeriesMarkers.NONE);
            return 0;
        }
        double[] x = new double[bins];
        double[] y = new double[bins];
        for (int b = 0; b < bins; b++) {
            x[b] = lo + (b + 0.5) * w;
        }
        for (float s : v) {
            int b = (int) Math.min(bins - 1, Math.max(0, (s - lo) / w));
            y[b] += 1.0 / v.length;
        }
        XYSeries s = c.addSeries(name, x, y);
        s.setLineColor(color);
        s.setMarker(SeriesMarkers.NONE);
        return java.util.Arrays.stream(y).max().orElse(0);
    }

    private static float[] finite(float[] a) {
        int n = 0;
        float[] r = new float[a.length];
        for (float v : a) {
            if (Float.isFinite(v)) {
                r[n++] = v;
            }
        }
        return java.util.Arrays.copyOf(r, n);
    }

    private static float[] concat(float[] a, float[] b) {
        float[] all = new float[a.length + b.length];
        System.arraycopy(a, 0, all, 0, a.length);
        System.arraycopy(b, 0, all, a.length, b.length);
        java.util.Arrays.sort(all);
        return all;
    }

    private static String shortName(String title) {
        int p = title.indexOf(" (");
        return p > 0 ? title.substring(0, p) : title;
    }

    private static String esc(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
    }
}
