package io.biomatch.dna.kinship;

/** Per-locus model data of a DVI case, built once after every allele of the case is in the frequency table. */
final class DviModel {
    final int loci;
    final FrequencyTable.Locus[] locus;
    final MutationModel[] male;
    final MutationModel[] female;
    final double[][][] fullMale;
    final double[][][] fullFemale;
    final int[] alleleOffset;
    final int alleleTotal;
    /** Normalised frequencies per locus. */
    final double[][] prior;
    /** Per locus: alleles carried by at least one victim. */
    final boolean[][] victimAllele;
    private final LocusModel[] full;
    private final double[][][] identity;

    DviModel(DviData d) {
        loci = d.loci.size();
        locus = new FrequencyTable.Locus[loci];
        male = d.male;
        female = d.female;
        fullMale = new double[loci][][];
        fullFemale = new double[loci][][];
        alleleOffset = new int[loci];
        prior = new double[loci][];
        full = new LocusModel[loci];
        identity = new double[loci][][];
        int off = 0;
        for (int l = 0; l < loci; l++) {
            FrequencyTable.Locus fl = d.freqs.locus(d.loci.get(l));
            locus[l] = fl;
            prior[l] = LocusModel.normalised(fl.freqs);
            fullMale[l] = male[l].matrix(fl.name(), prior[l], fl.values);
            fullFemale[l] = female[l].equals(male[l]) ? fullMale[l]
                    : female[l].matrix(fl.name(), prior[l], fl.values);
            identity[l] = MutationModel.NONE.matrix(fl.name(), prior[l], fl.values);
            alleleOffset[l] = off;
            off += fl.size();
            full[l] = LocusModel.full(fl, male[l], female[l]);
        }
        alleleTotal = off;
        victimAllele = new boolean[loci][];
        for (int l = 0; l < loci; l++) {
            victimAllele[l] = new boolean[locus[l].size()];
        }
        for (DviData.Victim v : d.victims) {
            for (int l = 0; l < loci; l++) {
                int[] g = v.geno()[l];
                if (g != null) {
                    for (int a : g) {
                        if (a >= 0) {
                            victimAllele[l][a] = true;
                        }
                    }
                }
            }
        }
    }

    LocusModel full(int l) {
        return full[l];
    }

    double[][] identity(int l) {
        return identity[l];
    }
}
