/**
 * Kinship likelihoods on pedigrees and disaster victim identification (DVI).
 *
 * <h2>Entry points</h2>
 * <ul>
 *   <li>{@link io.biomatch.dna.kinship.KinshipCase#run(java.nio.file.Path, java.nio.file.Path)}: case JSON (the format
 *       of {@code dna/kinship_case_example.json}) + {@code locus,allele,frequency} CSV -&gt; per-locus and total LR
 *       ({@code Result.toText()}; the record is Gson-serialisable).</li>
 *   <li>{@link io.biomatch.dna.kinship.DviCase#run(java.nio.file.Path)}: a case directory of the layout
 *       {@code dna/dvi/<case>/} -&gt; pairwise LRs with inconsistent-locus counts, undisputed identifications, ranked
 *       joint solutions with flat-prior posteriors. {@link io.biomatch.dna.kinship.DviCase#demo} gives the text of
 *       {@code planecrash}.</li>
 *   <li>{@link io.biomatch.dna.kinship.DviBench}: seeded benchmark of the pairwise matrix.</li>
 *   <li>{@link io.biomatch.dna.kinship.FamiliasFile}: Familias 3 {@code .fam} project files (persons, pedigrees,
 *       database, per-locus male/female mutation models, θ, the DVI section's victims and reference families);
 *       {@code evaluate(h1, h2)} gives the LR of one pedigree against another;
 *       {@link io.biomatch.dna.kinship.DviData#fromFamilias} turns its DVI section into a DVI case (checked against
 *       the dvir export folders of planecrash and exclusionExample).</li>
 *   <li>Familial database search (parent–child, full and half siblings) is a mode of the DNA modality:
 *       {@code io.biomatch.dna.Familial}.</li>
 * </ul>
 *
 * <h2>Method</h2>
 * {@link io.biomatch.dna.kinship.PedigreeLikelihood}: exact variable elimination over each person's paternal and
 * maternal allele (Elston–Stewart peeling generalised to any graph, so inbreeding/marriage loops are exact; cycles in
 * the parent graph are rejected); untyped persons without typed descendants are dropped; alleles are lumped to the
 * observed ones plus "other" when the mutation matrix is lumpable (checked numerically); mutation models none, equal,
 * proportional, Familias extended stepwise, male and female apart ({@link io.biomatch.dna.kinship.MutationModel});
 * θ as an exact sum over set partitions of the founder alleles (Balding–Nichols as a Chinese restaurant process), up to
 * 5 founders with typed descendants per pedigree. Frequencies are renormalised to sum to 1 per locus; alleles missing
 * from the table get the locus' minimum frequency with a warning.
 *
 * <p>DVI: per missing person and locus, the family is peeled once with the missing person as target
 * ({@link io.biomatch.dna.kinship.TargetTable}); a victim is then one table lookup per locus. The joint search
 * enumerates each family's feasible placements (several victims in one family use the exact joint family likelihood,
 * conditioned placement by placement) and combines families by branch and bound ({@link
 * io.biomatch.dna.kinship.DviSolver}). DVI uses θ = 0.
 *
 * <h2>Measured (2-core shared machine, load average ~5, JDK 25)</h2>
 * <pre>
 * java -Xmx6g -cp dna-index/target/classes:engine/core/target/classes:$(deps) io.biomatch.dna.kinship.DviBench 1000 10000
 * DVI 1000 x 1000 (20 loci): peel families 1.62 s, pairwise 0.11 s, total 1.73 s; 500/500 true victims rank their family first
 * DVI 10000 x 10000 (20 loci): peel families 4.99 s, pairwise 2.66 s (37.6 M pairs/s), total 7.64 s; 5000/5000
 * dvir cases (DviCaseTest): planecrash 12 ms in all (joint solution included), fire 0.2 s, icmp 3.4 s, grave 2.3 s
 * </pre>
 */
package io.biomatch.dna.kinship;
