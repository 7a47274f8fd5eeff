"""BioNLP-ST 2013 GRO: PubMed abstracts annotated with Gene Regulation Ontology classes (brat).

Folders: `train/` (150 abstracts) is the train split, `devel/` (50) the dev split. `test/`
carries entities only and is the shared task's evaluation set, so it is never read.
`sample/` is left out too: its five documents are re-tokenised copies of train/devel
abstracts, so reading it would duplicate text (and leak one devel abstract into train).

Both `.a1` (entities) and `.a2` text-bound lines are read. The `.a2` T lines are event
triggers and process mentions (`expression` = GeneExpression, `apoptosis` = CellDeath,
`leukemia` = Disease); they are kept as types because each names a span of text with a
definable meaning and the corpus annotates them densely (>90% of the occurrences of
`expression`, `phosphorylation` or `differentiation` are tagged). Event/relation lines
(E, R, ...) are ignored.
"""
from __future__ import annotations

import logging
from collections import Counter
from pathlib import Path
from typing import Iterator

from ...data import Example
from ...errors import DataError
from . import Corpus, register
from ._brat import iter_brat
from ._chunk import chunk_document

log = logging.getLogger(__name__)

_FOLDERS = {"train": "train", "dev": "devel"}

# Every class seen at least 3 times in train/ (.a1 + .a2); each has an entry in
# definitions/gro.yaml. Rarer classes get no definition: too few examples to learn from.
KEPT: frozenset[str] = frozenset("""
Affecting AminoAcid AntisenseRNA BasicDomain Binding BindingOfProteinToDNA
BindingOfProteinToProteinBindingSiteOfDNA BindingOfProteinToProteinBindingSiteOfProtein
BindingOfTFToTFBindingSiteOfDNA BindingOfTranscriptionFactorToDNA BindingSiteOfProtein BindingToProtein
BindingToRNA CatalyticActivity Cell CellAdhesion CellComponent CellCycle CellCyclePhase
CellCyclePhaseTransition CellDeath CellDifferentiation CellGrowth CellHomeostasis
CellularComponentOrganizationAndBiogenesis CellularDevelopmentalProcess CellularMetabolicProcess
CellularProcess Chemical ChromosomalDNA Chromosome Cleavage ComplexMolecularEntity DNA
DNABindingDomainOfProtein DNABindingSite DNAFragment DNARegion Decrease DevelopmentalProcess Dimerization
Disease Elongation Enhancer Enzyme Eukaryote Exon ExperimentalMethod ExpressionProfiling
ForkheadWingedHelixTF FormationOfProteinDNAComplex FormationOfTranscriptionFactorComplex Function
FusionGene Gene GeneExpression GeneProduct HMG HMGTF Heterodimerization HomeoboxTF Homodimerization
Increase InorganicChemical Intron Ion Ligand Lipid Localization Locus Maintenance MessengerRNA
MetabolicPathway Microorganism ModificationOfMolecularEntity MolecularEntity MolecularStructure
MutantProtein MutatedProtein Mutation NegativeRegulation NegativeRegulationOfTranscription
NuclearReceptor NucleicAcid Nucleotide Nucleus OpenReadingFrame OrganicChemical OxidativeStress Pathway
Peptide Phenotype Phosphorylation PositiveRegulation PositiveRegulationOfGeneExpression
PositiveRegulationOfTranscription PositiveRegulationOfTranscriptionOfGene PrimaryStructure Producing
Prokaryote Promoter Protein ProteinBindingSiteOfDNA ProteinBindingSiteOfProtein ProteinBiosynthesis
ProteinCatabolism ProteinComplex ProteinDomain ProteinSubunit ProteinTargeting RNA RNAPolymerase
RNAProcessing RNASplicing RegulationOfGeneExpression RegulationOfTranscription RegulatoryDNARegion
RegulatoryProcess ReporterGene ResponseProcess Ribosome SecondMessenger Sequence SequenceHomologyAnalysis
SignalingPathway Splicing Stress Substrate TATAbox ThreeDimensionalMolecularStructure Tissue Transcript
Transcription TranscriptionActivator TranscriptionActivatorActivity TranscriptionCoactivator
TranscriptionFactor TranscriptionFactorActivity TranscriptionFactorBindingSiteOfDNA
TranscriptionFactorComplex TranscriptionInitiation TranscriptionOfGene TranscriptionRegulator
TranscriptionRepressor TranscriptionRepressorActivity TranscriptionTermination Translation
TranslationFactor Transport UpstreamRegulatorySequence Virus ZincCoordinatingDomain bHLH bHLHTF bZIP tRNA
""".split())

# Rare subclasses (< 3 in train) whose GRO superclass is kept and whose definition covers
# them. Dropping them instead would leave e.g. "RNA polymerase II" untagged next to a
# RNA_POLYMERASE definition that asks for it. Classes not listed here and not in KEPT
# (Chromatin, Spliceosome, LivingEntity, ...; some are annotation noise) are dropped, and
# their spans read as untagged text.
FOLD: dict[str, str] = {
    "bZIPTF": "TranscriptionFactor", "ZincCoordinatingDomainTF": "TranscriptionFactor",
    "TranscriptionCofactor": "TranscriptionRegulator", "TranscriptionCorepressor": "TranscriptionRegulator",
    "PositiveTranscriptionRegulator": "TranscriptionActivator",
    "RNAPolymeraseII": "RNAPolymerase", "Polymerase": "Enzyme", "Holoenzyme": "Enzyme",
    "FusionProtein": "Protein", "Histone": "Protein",
    "HomeoBox": "DNABindingDomainOfProtein", "ForkheadWingedHelix": "DNABindingDomainOfProtein",
    "RuntLikeDomain": "DNABindingDomainOfProtein",
    "EukaryoticCell": "Cell",
    "DNAMolecule": "DNA", "DoubleStrandDNA": "DNA",
    "RibosomalRNA": "RNA", "SmallInterferingRNA": "RNA", "RNAMolecule": "RNA",
    "ProteinCodingRegion": "DNARegion", "ProteinCodingDNARegion": "DNARegion", "GeneRegion": "DNARegion",
    "CpGIsland": "DNARegion", "Attenuator": "RegulatoryDNARegion",
    "Agonist": "Chemical", "Vitamin": "OrganicChemical",
    "Mitosis": "CellCyclePhase", "G1Phase": "CellCyclePhase", "SPhase": "CellCyclePhase",
    "CellDivision": "CellCycle",
    "CellAging": "CellularProcess", "CellMotility": "CellularProcess", "IntraCellularProcess": "CellularProcess",
    "ProteinTransport": "Transport", "IntraCellularTransport": "Transport",
    "ProteinModification": "ModificationOfMolecularEntity", "Modification": "ModificationOfMolecularEntity",
    "PosttranslationalModification": "ModificationOfMolecularEntity",
    "Acetylation": "ModificationOfMolecularEntity", "Methylation": "ModificationOfMolecularEntity",
    "ProteinMetabolism": "ProteinCatabolism", "CatabolicPathway": "MetabolicPathway",
    "NegativeRegulationOfTranscriptionOfGene": "NegativeRegulationOfTranscription",
    "NegativeRegulationOfTranscriptionByTranscriptionRepressor": "NegativeRegulationOfTranscription",
    "BindingOfDNABindingDomainOfProteinToDNA": "BindingOfProteinToDNA",
    "BindingOfTFToTFBindingSiteOfProtein": "BindingToProtein",
    "BindingOfMolecularEntity": "Binding", "BindingToMolecularEntity": "Binding", "BindingOfProtein": "Binding",
    "RegulationOfProcess": "RegulatoryProcess", "RegulationOfPathway": "RegulatoryProcess",
    "RegulationOfFunction": "RegulatoryProcess", "ActivationOfProcess": "PositiveRegulation",
    "ResponseToChemicalStimulus": "ResponseProcess", "GeneMutation": "Mutation",
    "ExperimentalIntervention": "ExperimentalMethod", "BindingAssay": "ExperimentalMethod",
}


def _read(folder: Path, split: str) -> Iterator[Example]:
    if split not in _FOLDERS:
        raise DataError(f"gro: unknown split {split!r}")
    directory = folder / "original-data" / _FOLDERS[split]
    if not directory.is_dir():
        raise DataError(f"{directory}: folder not found")
    dropped: Counter[str] = Counter()
    n_docs = 0
    for doc_id, text, spans in iter_brat(directory, suffixes=(".a1", ".a2")):
        n_docs += 1
        kept = []
        for s, e, raw in spans:
            label = FOLD.get(raw, raw)
            if label in KEPT:
                kept.append((s, e, label))
            else:
                dropped[raw] += 1
        meta = {"doc_id": doc_id, "folder": _FOLDERS[split]}
        yield from chunk_document(text, sorted(set(kept)), meta=meta)
    if n_docs == 0:
        raise DataError(f"{directory}: no brat documents found")
    if dropped:
        log.info("gro %s: dropped %d spans of %d rare classes", split, sum(dropped.values()), len(dropped))


register(Corpus(
    "gro", "bionlp13_gro", _read, splits=("train", "dev"),
    licence="annotations CC BY-SA 3.0 (NTU/EBI/UZH, see LICENSE); abstracts from PubMed",
    citation="Kim, Han, Lee and Rebholz-Schuhmann, 2013, GRO Task: Populating the Gene Regulation Ontology "
             "with events and relations, BioNLP Shared Task 2013 Workshop",
))
