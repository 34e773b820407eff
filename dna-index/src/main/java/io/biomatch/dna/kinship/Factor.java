package io.biomatch.dna.kinship;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.function.ToDoubleFunction;

/**
 * A table over a few variables (sorted ids, each with its own domain size), row-major with the last variable
 * fastest; the unit of {@link PedigreeLikelihood}'s variable elimination.
 */
final class Factor {
    final int[] vars;
    final int[] dims;
    final double[] t;

    Factor(int[] vars, int[] dims, double[] t) {
        this.vars = vars;
        this.dims = dims;
        this.t = t;
    }

    /**
     * A factor over {@code slots} (variable ids, possibly repeated) from a function of the slots' values (domain
     * values, not indices).
     */
    static Factor of(int[] slots, int[][] dom, ToDoubleFunction<int[]> fn) {
        int[] u = java.util.Arrays.stream(slots).distinct().sorted().toArray();
        int k = u.length;
        int[] dims = new int[k];
        int size = 1;
        for (int j = 0; j < k; j++) {
            dims[j] = dom[u[j]].length;
            size *= dims[j];
        }
        int[] pos = new int[slots.length];
        for (int s = 0; s < slots.length; s++) {
            pos[s] = java.util.Arrays.binarySearch(u, slots[s]);
        }
        double[] t = new double[size];
        int[] idx = new int[k];
        int[] val = new int[slots.length];
        for (int c = 0; c < size; c++) {
            for (int s = 0; s < slots.length; s++) {
                val[s] = dom[slots[s]][idx[pos[s]]];
            }
            t[c] = fn.applyAsDouble(val);
            for (int j = k - 1; j >= 0; j--) {
                if (++idx[j] < dims[j]) {
                    break;
                }
                idx[j] = 0;
            }
        }
        return new Factor(u, dims, t);
    }

    /**
     * Sums out every variable not in {@code keep} (greedy order: smallest resulting table first) and returns the
     * product over the kept variables, or null when the result is identically zero.
     */
    static Factor eliminateAll(List<Factor> factors, int[][] dom, BitSet keep) {
        List<Factor> fs = new ArrayList<>(factors);
        double scalar = 1;
        while (true) {
            // candidate variables
            BitSet all = new BitSet();
            for (Factor f : fs) {
                for (int v : f.vars) {
                    all.set(v);
                }
            }
            all.andNot(keep);
            if (all.isEmpty()) {
                break;
            }
            // the factors holding each variable, in one pass: scanning every factor for every candidate made an
            // elimination cubic in the pedigree's size (a 200-generation chain took 27 s, 400 did not finish)
            @SuppressWarnings("unchecked")
            List<Factor>[] holding = new List[dom.length];
            for (Factor f : fs) {
                for (int v : f.vars) {
                    if (holding[v] == null) {
                        holding[v] = new ArrayList<>();
                    }
                    holding[v].add(f);
                }
            }
            int best = -1;
            double bestCost = Double.MAX_VALUE;
            BitSet u = new BitSet();
            for (int v = all.nextSetBit(0); v >= 0; v = all.nextSetBit(v + 1)) {
                u.clear();
                for (Factor f : holding[v]) {
                    for (int w : f.vars) {
                        u.set(w);
                    }
                }
                double cost = 1;
                for (int w = u.nextSetBit(0); w >= 0; w = u.nextSetBit(w + 1)) {
                    cost *= dom[w].length;
                }
                if (cost < bestCost) {
                    bestCost = cost;
                    best = v;
                }
            }
            List<Factor> with = new ArrayList<>();
            List<Factor> rest = new ArrayList<>();
            for (Factor f : fs) {
                (contains(f.vars, best) ? with : rest).add(f);
            }
            Factor r = productSumOut(with, best, dom);
            if (r == null) {
                return null;
            }
            if (r.vars.length == 0) {
                scalar *= r.t[0];
            } else {
                rest.add(r);
            }
            fs = rest;
        }
        Factor r = fs.isEmpty() ? new Factor(new int[0], new int[0], new double[] {1}) : productSumOut(fs, -1, dom);
        if (r == null) {
            return null;
        }
        for (int i = 0; i < r.t.length; i++) {
            r.t[i] *= scalar;
        }
        return scalar == 0 ? null : r;
    }

    private static boolean contains(int[] a, int v) {
        for (int x : a) {
            if (x == v) {
                return true;
            }
        }
        return false;
    }

    /** Product of the factors, with variable {@code x} summed out (x = -1: none); null if all zero. */
    static Factor productSumOut(List<Factor> fs, int x, int[][] dom) {
        BitSet ub = new BitSet();
        for (Factor f : fs) {
            for (int v : f.vars) {
                ub.set(v);
            }
        }
        int[] u = ub.stream().toArray();
        int k = u.length;
        int[] dims = new int[k];
        long total = 1;
        for (int j = 0; j < k; j++) {
            dims[j] = dom[u[j]].length;
            total *= dims[j];
        }
        if (total > 200_000_000L) {
            throw io.biomatch.core.spi.Modality.invalid(
                    "pedigree too complex for exact computation at one locus (intermediate table of " + total
                            + " entries)");
        }
        int[] rvars = x < 0 ? u : ub.stream().filter(v -> v != x).toArray();
        int rk = rvars.length;
        int[] rdims = new int[rk];
        int rsize = 1;
        int[] rstride = new int[k];
        for (int j = 0, rj = 0; j < k; j++) {
            if (u[j] != x) {
                rdims[rj++] = dims[j];
            }
        }
        {
            int s = 1;
            for (int j = k - 1; j >= 0; j--) {
                if (u[j] == x) {
                    rstride[j] = 0;
                } else {
                    rstride[j] = s;
                    s *= dims[j];
                }
            }
            rsize = s;
        }
        int nf = fs.size();
        int[][] stride = new int[nf][k];
        double[][] tabs = new double[nf][];
        for (int fi = 0; fi < nf; fi++) {
            Factor f = fs.get(fi);
            tabs[fi] = f.t;
            int s = 1;
            for (int a = f.vars.length - 1; a >= 0; a--) {
                int j = java.util.Arrays.binarySearch(u, f.vars[a]);
                stride[fi][j] = s;
                s *= f.dims[a];
            }
        }
        double[] res = new double[rsize];
        int[] idx = new int[k];
        int[] fidx = new int[nf];
        int ridx = 0;
        for (long c = 0; c < total; c++) {
            double p = tabs[0][fidx[0]];
            for (int fi = 1; fi < nf && p != 0; fi++) {
                p *= tabs[fi][fidx[fi]];
            }
            res[ridx] += p;
            for (int j = k - 1; j >= 0; j--) {
                if (++idx[j] < dims[j]) {
                    for (int fi = 0; fi < nf; fi++) {
                        fidx[fi] += stride[fi][j];
                    }
                    ridx += rstride[j];
                    break;
                }
                int back = dims[j] - 1;
                idx[j] = 0;
                for (int fi = 0; fi < nf; fi++) {
                    fidx[fi] -= stride[fi][j] * back;
                }
                ridx -= rstride[j] * back;
            }
        }
        boolean any = false;
        for (double v : res) {
            if (v != 0) {
                any = true;
                break;
            }
        }
        return any ? new Factor(rvars, rdims, res) : null;
    }
}
