"""Taxonomy of a product: modalities, subspecialty, product type and findings, each with why.

``classify(facts)`` reads what the tracker knows of one product (its name, its registrations'
device names, company, FDA panel and product codes, a description) and returns every value
with its source, so a reviewer sees why:

  modality      a list (CT, MR, X-ray, Mammography, US, NM, RT, Fluoroscopy, Endoscopy,
                Ophthalmic, ECG, Multi-modality, Other); from the words that name a
                modality (M1), else findings and product lines that imply one (M1b),
                else anatomy words (M1c: lung, brain, knee; read after the company's
                other products, M4), the product code of a
                device or a single-modality AI code (M2), the subspecialty's usual modality
                where it has one (M3, "dental" -> X-ray), and the company's other products
                (M4, applied by ``tracker.products.classify`` over the store), a
                PACS, viewer, workstation or platform works on every modality (M6,
                "Multi-modality"), else the modality most products of its product code
                have, the share stated as its source (M7, a guess a reviewer can see).
  subspecialty  neuro, chest, breast, musculoskeletal, cardiac, vascular, abdominal,
                oncology/radiotherapy, dental, obstetric/paediatric, general; from the
                names' words (S1), the FDA panel (S2), the product code (S3), or "general"
                for image processing that names no body part (S4).
  product_type  triage/notification, detection, diagnosis/characterisation, quantification,
                segmentation/contouring/planning, reconstruction/enhancement,
                workflow/reporting, comprehensive, platform; from the names' words (T1),
                the findings count (T2: ten or more findings is comprehensive), the product
                code (T3), else none.
  findings      the findings the registrations name ("BriefCase-Triage: ... (RibFx)"), with
                their count (F1).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from tracker.names import fold

SUBSPECIALTIES = ("neuro", "chest", "breast", "musculoskeletal", "cardiac", "vascular", "abdominal",
                  "oncology/radiotherapy", "dental", "obstetric/paediatric", "general")
PRODUCT_TYPES = ("triage/notification", "detection", "diagnosis/characterisation", "quantification",
                 "segmentation/contouring/planning", "reconstruction/enhancement", "workflow/reporting",
                 "comprehensive", "platform")
MULTI = "Multi-modality"
MODALITIES = ("CT", "MR", "X-ray", "Mammography", "US", "NM", "RT", "Fluoroscopy", "Endoscopy",
              "Ophthalmic", "ECG", MULTI, "Other")


def _rx(words: str) -> re.Pattern[str]:
    return re.compile(rf"\b(?:{words})\b")


# M1: words that name a modality (a modality, its acquisition or a scanner line);
# several may match: "PET/CT" is NM and CT.
_MODALITY_WORDS: list[tuple[str, re.Pattern[str]]] = [
    ("Mammography", _rx(r"mammo\w*|mmg|dbt|tomosynthesis|senographe|pristina|selenia|3dimensions|mammomat")),
    ("CT", _rx(r"ct|cta|ncct|ctp|ctb|ccta|somatom|aquilion|naeotom|revolution|computed tomography|"
               r"spotlight|uct|neuviz|scenaria|ffrct|ffr ct")),
    ("MR", _rx(r"mr|mri|magnetom|signa|vantage|air recon|mrcat|ingenia|echelon|umr|magnetic resonance|"
               r"swoop|cmr")),
    ("NM", _rx(r"pet|spect|biograph|scenium|xeleris|omni legend|nuclear|umi|upmr|scintigraph\w*")),
    ("US", _rx(r"ultrasound|ultrasonic|echo|echocardiograph\w*|vivid|logiq|voluson|aplio|epiq|"
               r"affiniti|lumify|vscan|venue|sonograph\w*|doppler|kosmos|clarius|acuson|versana|butterfly")),
    ("X-ray", _rx(r"cxr|x ray|xray|radiograph\w*|chest x|ysio|definium|udr|dr 800|drx|gm85")),
    ("Fluoroscopy", _rx(r"fluoro\w*|angio\w*|c arm|luminos|artis|cios|azurion|alphenix|uangio|3dxr|o arm")),
    ("Endoscopy", _rx(r"endoscop\w*|colonoscop\w*")),
    ("Ophthalmic", _rx(r"retina\w*|fundus|oct|optical coherence")),
    ("ECG", _rx(r"ecg|ekg|electrocardiogra\w*")),
]
# M1b: findings, anatomy and product lines that imply one modality, read only when no word
# names one; the first entry that matches wins (specific cues before general ones: a brain
# haemorrhage is CT, brain volumetry MR).
_MODALITY_IMPLIED: list[tuple[str, re.Pattern[str]]] = [
    ("US", _rx(r"koios|smartultrasound|breast ultrasound|abus")),
    ("Mammography", _rx(r"transpara|mammoscreen|saige|profound ai|densitas|volpara|quantra|imagechecker|"
                        r"genius ai|breast density|insight mmg|breast|wrdensity|clarisigmam|cmtriage|qmtriage")),
    ("NM", _rx(r"amyloid pet|subtlepet|bone scan\w*|hyper dlr|hyper air|mi workflows|mi view|truspect|"
               r"apromise|absi|psma|dosimetry|lymphoma|tau")),
    ("Fluoroscopy", _rx(r"interventional|embolization|cydar|endonaut|tavipilot|flightplan|qfr|x1 ffr|"
                        r"angiograph\w*|cath\w*|echonavigator")),
    ("US", _rx(r"echo\w*|fetal|fetoly|us2 ai|us2|caption|bladder|thyroid\w*|koios|scannav|nerveblox|"
               r"qlab|heartfocus|ultrasight|accuro|velacur|exo iris|sonio|lvivo|lvef|ef|ejection fraction|"
               r"follicle\w*|bline\w*|tus|piur|sonix|lumine us|amcad|medo|aisap|obstetric\w*|nerve block")),
    ("CT", _rx(r"cardiq|cac|calcium scor\w*|cascoring|lung nodule\w*|lcs|aspects|lvo|ich|hemorrhage|"
               r"haemorrhage|pulmonary embol\w*|pe|aortic dissection|lungq|vidavision|broncholab|"
               r"healthccs\w*|vcar|faststroke|emphysema|coronary|plaque|autoplaque|cleerly|elucid\w*|"
               r"vascucap|tavr|tavi|aort\w*|3mensio|laralab|structural heart|ffr|lung nodule\w*|"
               r"liver segmentation|trauma ct|head ct|stroke|perfusion|ctp|vcf|"
               r"bone mineral|bmd|opportunistic|body composition|visceral fat|3d print\w*|"
               r"surgical plan\w*|pre operative|preoperative|3d model\w*|3d reconstruction|segment 3d")),
    ("MR", _rx(r"prostate|neuroquant|icobrain|livermultiscan|hepatica|hepafat\w*|muscleview|amra|swiftmr|"
               r"subtlemr|subtlesynth|subtlehd|white matter|wmh|multiple sclerosis|ms lesion\w*|rthawk|"
               r"vista os|brain volume\w*|volumetr\w*|atrophy|ferrismart|liversmart|fmri|resting state|"
               r"hippocamp\w*|alzheim\w*|alzevita|dementia|glio\w*|gyri\w*|aqua|"
               r"brain mets|columbo\w*|cmr|iqmr|optimmri|bonemri|knee mr\w*|cmri|"
               r"qyscore|cortech|quantib|nicolab")),
    ("X-ray", _rx(r"rayvolve|boneview|fracture\w*|bone age|dental|caries|periapical|bitewing|panoramic|"
                  r"intraoral|second opinion|videa|velmeni|smile dx|logicon|qxr|insight cxr|chestlink|milvue|"
                  r"smartchest|pneumothorax|pnx|ptx|critical care suite|osteodetect|knee osteoarthritis|"
                  r"scoliosis|cobb|cxr|cx|xr|deepxray|dr|ceph\w*|perio\w*|orthodont\w*|dtx|ez3d\w*|"
                  r"leg length|lama|red dot|radify|draid|triage rib|rib fracture\w*")),
    ("RT", _rx(r"radiotherapy|radiation therapy|contour\w*|autocontour|treatment planning|dose|oar|"
               r"organs at risk|raystation|rayplan|ethos|art plan|mvision|limbus|radformation|mirada|oncospace|"
               r"i2contour")),
    ("Endoscopy", _rx(r"gi genius|polyp\w*|skout|caddie|capsule")),
    ("Ophthalmic", _rx(r"retinopathy|eyeart|idx dr|aeye")),
]
# M1c: anatomy that suggests a modality, weaker than a finding: read after the company's
# other products (M4), so "Lung AI" of an ultrasound company stays ultrasound.
_MODALITY_ANATOMY: list[tuple[str, re.Pattern[str]]] = [
    ("CT", _rx(r"lung\w*|nodule\w*|pulmo\w*|kidney|renal|radiomics")),
    ("MR", _rx(r"brain|neuro\w*|spine|lumbar")),
    ("X-ray", _rx(r"chest|hip\w*|knee\w*|shoulder|ortho\w*|bone\w*|osteo\w*|trauma\w*|msk\w*|"
                  r"skelet\w*|align\w*|rib\w*|joint\w*")),
]

# M6: software for every modality (a PACS, a viewer, a workstation, a platform).
_ANY_MODALITY = _rx(r"pacs|viewer|workstation|work station|platform|enterprise|portal|station|"
                    r"image processing|post processing|universal|suite|engine|marketplace|3d|"
                    r"synapse|syngo|centricity|intellispace|illumeo|ziostation|vitrea|terarecon|"
                    r"uomnispace|merge|infinitt|imagine|segmentron|medip|jazz")

# M2: product codes whose devices or AI software work on one modality.
_CODE_MODALITY = {
    "JAK": "CT", "OEB": "CT", "PJA": "CT", "QAS": "CT", "KGI": "X-ray",
    "LNH": "MR", "MOS": "MR", "PCS": "MR",
    "IYN": "US", "IYO": "US", "ITX": "US", "QJU": "US", "QUO": "US", "SDJ": "US", "QVD": "US", "QRG": "US",
    "KPS": "NM", "OUO": "NM",
    "MUJ": "RT", "IYE": "RT", "QKB": "RT",
    "OTE": "Mammography", "MUE": "Mammography",
    "KPR": "X-ray", "MQB": "X-ray", "IZL": "X-ray", "QBS": "X-ray", "EHD": "X-ray",
    "OWB": "Fluoroscopy", "JAA": "Fluoroscopy", "OXO": "Fluoroscopy", "QEK": "Fluoroscopy",
    "QNP": "Endoscopy", "QZF": "Endoscopy", "PIB": "Ophthalmic", "NQQ": "Ophthalmic", "QER": "Ophthalmic",
    "QYE": "ECG", "DQK": "ECG", "DPS": "ECG", "SBQ": "ECG",
}

# S1: words -> subspecialty, in order (the first that matches wins: "breast" before "chest").
_SUBSPECIALTY_WORDS: list[tuple[str, re.Pattern[str]]] = [
    ("dental", _rx(r"dental|dentist\w*|caries|periapical|bitewing|panoramic|intraoral|tooth|teeth|"
                   r"periodont\w*|orthodont\w*|cephal\w*|second opinion|videa|velmeni|smile dx|logicon|"
                   r"denti\w*|cbct dental|overjet|perio\w*|ceph")),
    ("obstetric/paediatric", _rx(r"fetal|fetus|obstetric\w*|prenatal|pregnan\w*|neonat\w*|pediatric|paediatric|"
                                 r"bone age|sonio|fetoly|brightheart|placenta\w*|nuchal|follicle\w*|embryo\w*")),
    ("breast", _rx(r"breast|mammo\w*|mmg|dbt|tomosynthesis|transpara|mammoscreen|saige|profound ai|"
                   r"densitas|volpara|quantra|imagechecker|genius ai|koios ds|senographe|pristina|mammomat|"
                   r"quantx|dm density|wrdensity|clarisigmam")),
    ("oncology/radiotherapy", _rx(r"radiotherapy|radiation therapy|rt|contour\w*|autocontour|treatment planning|"
                                  r"dose|oar|organs at risk|raystation|rayplan|ethos|art plan|mrcat|oncology|"
                                  r"oncospace|onco\w*|tumou?r\w*|metasta\w*|deepmets|lesion tracking|recist|"
                                  r"dosimetry|lymphoma|psma|apromise|absi")),
    ("cardiac", _rx(r"cardi\w*|heart|coronary|ffr\w*|ffrct|cac|calcium scor\w*|cascoring|echocardiograph\w*|"
                    r"echo\w*|ejection fraction|lvef|lv|myocard\w*|valv\w*|amyloid\w*|hcm|cmr|heartflow|"
                    r"cleerly|echogo|us2 ai|us2|caption|heartfocus|ultrasight|tavi\w*|tavr|atrial|ecg|plaque|"
                    r"syngo dynamics|healthccs\w*|ccs|avc|lvivo\w*|qfr|structural heart|autoplaque")),
    ("vascular", _rx(r"vascular|\w*aort\w*|aaa|carotid|vessel\w*|angio\w*|artery|arteries|arterial|venous|"
                     r"aneurysm|embolization|endovascular|cydar|endonaut|stenosis|flightplan|vascucap")),
    ("neuro", _rx(r"brain|neuro\w*|head|stroke|lvo|ich|intracranial|hemorrhage|haemorrhage|aspects|"
                  r"cerebr\w*|cranial|white matter|wmh|multiple sclerosis|ms lesion\w*|dementia|alzheim\w*|"
                  r"amyloid pet|atrophy|icobrain|neuroquant|spinal cord|cina head|"
                  r"cinahead|perfusion|ctp|triage ich|midline|hippocamp\w*|glio\w*|fmri|gyri\w*|aimify|"
                  r"airascore|qmenta|thinq")),
    ("musculoskeletal", _rx(r"fracture\w*|bone\w*|musculoskeletal|msk\w*|knee\w*|hip\w*|shoulder\w*|osteo\w*|"
                            r"joint\w*|skelet\w*|muscle\w*|scoliosis|cobb|boneview|rayvolve|trauma\w*|bmd|"
                            r"cartilage|ortho\w*|spine\w*|lumbar|vertebr\w*|vcf|rib\w*|healthost|koala|"
                            r"leg length|lama|ankle|foot|wrist|elbow")),
    ("chest", _rx(r"chest\w*|lung\w*|pulmon\w*|thora\w*|cxr|pneumo\w*|pnx|ptx|nodule\w*|lcs|emphysema|copd|"
                  r"bronch\w*|tuberculosis|tb|pleural|airway\w*|qxr|insight cxr|chestlink|lungq|"
                  r"vidavision|broncholab|pe|ipe|embol\w*|ild|fibrosis|critical care suite")),
    ("abdominal", _rx(r"liver|hepat\w*|abdom\w*|prostate|kidney\w*|renal|pancrea\w*|colon\w*|bowel|"
                      r"bladder|gallbladder|spleen|colorectal|livermultiscan|hepafat\w*|mrcp\w*|fld|"
                      r"steatosis|pelvi\w*|urolog\w*|gastro\w*|polyp\w*")),
]

_RT_CODES = {"MUJ", "QKB", "IYE"}

# S2: FDA panel -> subspecialty (used only when the names say nothing).
_PANEL = {"cardiovascular": "cardiac", "neurology": "neuro", "dental": "dental",
          "obstetrics/gynecology": "obstetric/paediatric", "obstetrics and gynecology": "obstetric/paediatric",
          "gastroenterology/urology": "abdominal", "gastroenterology urology": "abdominal",
          "orthopedic": "musculoskeletal", "ophthalmic": "general"}
# S3: product codes whose devices serve one subspecialty.
_CODE_SUBSPECIALTY = {
    "QAS": "neuro", "OEB": "chest", "PJA": "cardiac", "MUJ": "oncology/radiotherapy",
    "IYE": "oncology/radiotherapy", "QKB": "oncology/radiotherapy", "QJU": "cardiac", "QUO": "cardiac",
    "SDJ": "cardiac", "QVD": "cardiac", "KGI": "musculoskeletal", "QBS": "musculoskeletal",
    "OTE": "breast", "MUE": "breast", "EHD": "dental", "QWO": "chest", "PCS": "abdominal",
}

# T1: words -> product type, in order.
_TYPE_WORDS: list[tuple[str, re.Pattern[str]]] = [
    ("platform", _rx(r"marketplace|ai platform|aios|deepcos|carpl|blackford|calantic|ai manager|"
                     r"ai orchestrat\w*|orchestrator|ai hub|teamplay|app store")),
    ("workflow/reporting", _rx(r"report\w*|worklist|workflow\w*|dictation|impression\w*|llm|draft\w*|"
                               r"protocol\w*|scheduling|pacs|viewer|enterprise access|smart reporting|rad ai|"
                               r"radpair|positioning|auto positioning|guidance|scan planning|auto views")),
    ("triage/notification", _rx(r"triage|notification|notif\w*|alert\w*|prioriti\w*|contact|"
                                r"easy triage|easytriage|accipiolx|cina|lvo detection|critical care")),
    ("reconstruction/enhancement", _rx(r"recon\w*|reconstruction|denois\w*|noise|enhanc\w*|subtle\w*|"
                                       r"swiftmr|super resolution|deep resolve|air recon|aice|dlir|"
                                       r"truefidelity|precise image|smartspeed|sonic dl|precision dl|"
                                       r"clarify dl|pixelshine|image quality|artifact\w*|clear iq|"
                                       r"deep recon|hyper dlr|hyper air|maxfov|true enhance")),
    ("segmentation/contouring/planning", _rx(r"contour\w*|autocontour|segment\w*|planning|planner|treatment plan\w*|"
                                             r"organs rt|oar|raystation|rayplan|mrcat|art plan|dose|"
                                             r"synthetic ct|surgical plan\w*|3d model\w*|navigation|3d|"
                                             r"\w+3d|traumacad\w*|orthonext|preop\w*|pre operative|templat\w*|"
                                             r"3d print\w*|tavr planning|elements")),
    ("diagnosis/characterisation", _rx(r"cadx|diagnos\w*|characteri[sz]\w*|classif\w*|risk|malignan\w*|"
                                       r"suspicio\w*|koios|birads|bi rads|ds for|assessment|aspects|"
                                       r"nodule clinic|quantx")),
    ("quantification", _rx(r"quant\w*|volum\w*|measure\w*|ffr\w*|ffrct|calcium|cac|cascoring|score|"
                           r"scoring|density|densit\w*|body composition|analysis|analy[sz]er|morphometr\w*|"
                           r"ejection fraction|lvef|strain|bmd|bone mineral|iron|fat|perfusion|"
                           r"livermultiscan|icobrain|neuroquant|amra|profiler|biometr\w*|vcar|ccs\w*|fld|ost|"
                           r"companion|lungq|vidavision|broncholab|avc|hepa\w*")),
    ("detection", _rx(r"detect\w*|cad|cade|finder|nodule\w*|lesion\w*|fracture\w*|caries|"
                      r"second opinion|boneview|rayvolve|imagechecker|transpara|mammoscreen|"
                      r"genius ai|profound ai|insight|qxr|chestlink|lung cad")),
]
# T3: product codes -> type (the regulation a code belongs to says what the software does).
_CODE_TYPE = {
    "QAS": "triage/notification", "QFM": "triage/notification", "QDQ": "detection",
    "MYN": "detection", "OEB": "detection", "QBS": "detection", "POK": "diagnosis/characterisation",
    "QKB": "segmentation/contouring/planning", "MUJ": "segmentation/contouring/planning",
    "PJA": "quantification", "KGI": "quantification", "QJU": "workflow/reporting",
    "QIH": "quantification", "LLZ": "quantification", "QWO": "diagnosis/characterisation",
    "SDJ": "diagnosis/characterisation", "QUO": "diagnosis/characterisation",
}
_COMPREHENSIVE = 10  # T2: a product that names this many findings or more is comprehensive

# F1: findings named in device names (abbreviations in parentheses, after a colon, or
# after "Triage"/"detection" words).
_FINDING_PAREN = re.compile(r"\(([A-Za-z][A-Za-z0-9\- ]{1,24})\)")
_FINDING_TAIL = re.compile(r"[:\-]\s*([^:;,()]{3,60})$")
_NOT_FINDINGS = re.compile(r"^(?:v?\d[\w.]*|us|usa|eu|version.*|software.*|model.*|ref.*|pulmonary|"
                           r"cardiovascular|musculoskeletal|engine|series.*)$", re.I)


@dataclass
class Facts:
    """What the tracker knows of one product."""

    name: str
    company: str = ""
    device_names: tuple[str, ...] = ()
    product_codes: tuple[str, ...] = ()
    panels: tuple[str, ...] = ()
    description: str = ""
    modality_hint: tuple[str, ...] = ()  # a modality a source states (a catalogue, an import)


@dataclass
class Taxonomy:
    modality: list[str] = field(default_factory=list)
    subspecialty: str | None = None
    product_type: str | None = None
    findings: list[str] = field(default_factory=list)
    sources: dict[str, dict[str, Any]] = field(default_factory=dict)  # field -> {"rule", "source"}

    def note(self, field_name: str, rule: str, source: str) -> None:
        self.sources[field_name] = {"rule": rule, "source": source}


_CAMEL = re.compile(r"(?<=[a-z])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")


def _words(text: str) -> str:
    """Folded text, with run-together names also split at their capitals ("HealthMammo"
    reads as "healthmammo health mammo", "BoneMRI" as "bonemri bone mri")."""
    folded = fold(text)
    split = fold(_CAMEL.sub(" ", text))
    return folded if split == folded else f"{folded} {split}"


def _texts(facts: Facts) -> list[tuple[str, str]]:
    out = [("product name", _words(facts.name))]
    if facts.device_names:
        out.append(("device names", " ".join(_words(n) for n in facts.device_names)))
    if facts.description:
        out.append(("description", fold(facts.description)))
    return [(label, text) for label, text in out if text]


def anatomy_modality(facts: Facts) -> tuple[str, str] | None:
    """M1c: (modality, where) from anatomy words, for the store-wide rules to apply after
    the company's other products."""
    for label, text in _texts(facts):
        hit = next((name for name, pattern in _MODALITY_ANATOMY if pattern.search(text)), None)
        if hit:
            return hit, label
    return None


def findings_of(device_names: tuple[str, ...]) -> list[str]:
    """F1: the findings the device names state (union, in order of appearance)."""
    found: list[str] = []
    for device in device_names:
        candidates = [m.group(1).strip() for m in _FINDING_PAREN.finditer(device)]
        head, sep, tail = device.partition(":")
        if sep and tail.strip():
            candidates.append(tail.strip())
        for candidate in candidates:
            if _NOT_FINDINGS.match(candidate) or len(candidate) < 2:
                continue
            if fold(candidate) not in {fold(f) for f in found}:
                found.append(candidate)
    return found


def classify(facts: Facts) -> Taxonomy:
    """Every taxonomy value of one product with the rule and source behind it."""
    tax = Taxonomy()
    texts = _texts(facts)
    codes = [c.strip().upper() for c in facts.product_codes if c and c.strip()]
    # findings (F1) first: a comprehensive product is one with many findings
    tax.findings = findings_of(facts.device_names)
    if tax.findings:
        tax.note("findings", "F1", "FDA device names")
    # modality (M1, M2; M3 after the subspecialty)
    for label, text in texts:
        found = [name for name, pattern in _MODALITY_WORDS if pattern.search(text)]
        if found:
            tax.modality = found
            tax.note("modality", "M1", label)
            break
    if not tax.modality:
        for label, text in texts:
            hit = next((name for name, pattern in _MODALITY_IMPLIED if pattern.search(text)), None)
            if hit:
                tax.modality = [hit]
                tax.note("modality", "M1b", label)
                break
    if not tax.modality and facts.modality_hint:
        tax.modality = [m for m in facts.modality_hint if m]
        tax.note("modality", "M0", "stated by the product's source")
    if not tax.modality:
        coded = [_CODE_MODALITY[c] for c in codes if c in _CODE_MODALITY]
        if coded:
            tax.modality = list(dict.fromkeys(coded))
            tax.note("modality", "M2", f"FDA product code {', '.join(c for c in codes if c in _CODE_MODALITY)}")
    # subspecialty (S1-S4)
    for label, text in texts:
        hit = next((name for name, pattern in _SUBSPECIALTY_WORDS if pattern.search(text)), None)
        if hit:
            tax.subspecialty = hit
            tax.note("subspecialty", "S1", label)
            break
    if tax.subspecialty is None:
        panel = next((_PANEL[p.strip().lower()] for p in facts.panels if p and p.strip().lower() in _PANEL), None)
        code = next((c for c in codes if c in _CODE_SUBSPECIALTY), None)
        if panel:
            tax.subspecialty = panel
            tax.note("subspecialty", "S2", f"FDA panel {', '.join(facts.panels)}")
        elif code:
            tax.subspecialty = _CODE_SUBSPECIALTY[code]
            tax.note("subspecialty", "S3", f"FDA product code {code}")
        elif texts:
            tax.subspecialty = "general"
            tax.note("subspecialty", "S4", "names no body part or finding")
    if not tax.modality and tax.subspecialty == "dental":
        tax.modality = ["X-ray"]
        tax.note("modality", "M3", "dental AI reads dental radiographs")
    if not tax.modality and tax.subspecialty == "oncology/radiotherapy":
        tax.modality = ["CT"]
        tax.note("modality", "M3", "radiotherapy planning reads planning CT")
    if tax.subspecialty == "oncology/radiotherapy" and ("RT" in tax.modality or any(c in _RT_CODES for c in codes)):
        # a radiotherapy product works on the planning images and in RT
        if tax.modality == ["RT"]:
            tax.modality = ["CT", "RT"]
            tax.note("modality", "M3", "radiotherapy planning reads planning CT")
        elif "RT" not in tax.modality:
            tax.modality = [*tax.modality, "RT"]
    if not tax.modality and any(_ANY_MODALITY.search(text) for _, text in texts):
        tax.modality = [MULTI]
        tax.note("modality", "M6", "a PACS, viewer, workstation or platform: every modality")
    # product type (T1-T3)
    for label, text in texts:
        hit = next((name for name, pattern in _TYPE_WORDS if pattern.search(text)), None)
        if hit:
            tax.product_type = hit
            tax.note("product_type", "T1", label)
            break
    if len(tax.findings) >= _COMPREHENSIVE and tax.product_type not in ("platform", "workflow/reporting"):
        tax.product_type = "comprehensive"
        tax.note("product_type", "T2", f"{len(tax.findings)} findings in its registrations")
    if tax.product_type is None:
        code = next((c for c in codes if c in _CODE_TYPE), None)
        if code:
            tax.product_type = _CODE_TYPE[code]
            tax.note("product_type", "T3", f"FDA product code {code}")
    return tax
