"""Product kind: standalone AI ``software`` or an ``imaging-system`` whose AI is a feature.

``product_kind(name, company, product_code)`` returns the kind with the rule that decided it.
The FDA product code is a prior, not the answer (LiverMultiScan is filed under the MR system
code LNH and LungQ under the CT code JAK, yet both are software). The rules, first match wins:

  K1. The name carries a software word (software, app, suite, workstation, server, cloud,
      CAD, viewer, plug-in, "syngo.", "AI-Rad Companion", ...) -> software.
  K2. The name is a scanner or system line (MAGNETOM, SOMATOM, Aquilion, EPIQ, LOGIQ, uMR,
      Biograph, SIGNA, Revolution, ...) or an OEM reconstruction engine that ships only with
      the scanner (AIR Recon DL, TrueFidelity/DLIR, AiCE, Precise Image, SmartSpeed, Sonic DL,
      Deep Resolve) -> imaging-system.
  K3. The name calls itself hardware ("ultrasound system", "CT scanner", "imaging system",
      "C-arm", "detector", "transducer", "radiography system") -> imaging-system.
  K4. The company makes imaging hardware (an OEM or a device maker: GE, Siemens, Philips,
      Canon, Fujifilm, Samsung, Mindray, United Imaging, Butterfly, Hyperfine, ...) and the
      product code is a device code (CT, MR, ultrasound, PET/SPECT, X-ray, fluoroscopy,
      mammography systems) -> imaging-system.
  K5. A device code from a company that makes no imaging hardware -> software (the code
      says which scanner the software runs on, not what is sold).
  K6. Otherwise -> software (the AI codes QAS, QIH, LLZ, QDQ, QFM, ... are software codes).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from tracker.names import fold, normalize_company
from tracker.store.universe import IMAGING_SYSTEM, SOFTWARE

__all__ = ["DEVICE_CODES", "IMAGING_SYSTEM", "SOFTWARE", "Kind", "makes_hardware", "product_kind"]

# FDA product codes of imaging hardware (the system, its detector or its transducer).
DEVICE_CODES = {
    "JAK": "CT system", "LNH": "MR system", "MOS": "MR coil/system", "IYN": "ultrasound system",
    "IYO": "ultrasound system", "ITX": "ultrasound transducer", "KPS": "emission CT system (PET/SPECT)",
    "MQB": "solid-state X-ray imager", "KPR": "stationary X-ray system", "IZL": "mobile X-ray system",
    "OWB": "interventional fluoroscopy system", "JAA": "fluoroscopic X-ray system",
    "OTE": "digital breast tomosynthesis system", "MUE": "full-field digital mammography system",
    "OXO": "image-intensified fluoroscopic X-ray system", "OUO": "PET/MR system",
    "NQQ": "optical coherence tomography system", "QNK": "optoacoustic imaging system",
    "EHD": "dental X-ray system", "MUH": "dental cone-beam CT system", "IYE": "radiation therapy system",
}

_SOFTWARE_WORDS = re.compile(
    r"\b(software|sw|app|apps|application|applications|suite|workstation|work station|server|cloud|"
    r"platform|viewer|plug ?in|module|algorithm|cad|cade|cadx|ai rad companion|syngo|vitrea|"
    r"intellispace|aw server|advantage workstation|edison|portal|analysis|analyzer|analytics|"
    r"assistant|uai|uws|os|al rad companion|vcar|faststroke|ai rad)\b")
_SYSTEM_LINES = re.compile(
    r"\b(magnetom|somatom|naeotom|biograph|symbia|mammomat|luminos|ysio|multix|mobilett|artis|cios|"
    r"acuson|sequoia|aquilion|vantage|aplio|xario|celesteion|cartesion|alphenix|infinix|"
    r"signa|revolution|discovery|optima|logiq|vivid|voluson|venue|vscan|invenia|senographe|pristina|"
    r"definium|amx|oec|omni legend|innova|allia|brivo|epiq|affiniti|lumify|ingenia|ingenuity|iqon|"
    r"achieva|azurion|incisive|vereos|spectral ct|cx50|combidiagnost|umr|uct|umi|upmr|uexplorer|udr|"
    r"uangio|arietta|lisendo|echelon|scenaria|supria|fct|persona|sonosite|rs85|hs70|ws80a|v8|gm85|"
    r"resona|mylab|drx|selenia|3dimensions|swoop|butterfly iq|kosmos|iris|clarius|"
    r"neuviz|spotlight|nanox arc|velacur|accuro|o arm|clarus|imagio|optis|otis|nvisionvle|"
    r"micro c|bladderscan|digitaldiagnost|digital diagnost|radiography \d+|bv vision)\b")
# OEM reconstruction/acquisition engines that ship only with the vendor's scanners.
_SCANNER_ENGINES = re.compile(
    r"\b(air recon dl|sonic dl|precision dl|truefidelity|deep learning image reconstruction|"
    r"dlir|aice|advanced intelligent clear iq engine|precise image|smartspeed|smart speed|"
    r"deep resolve|clear iq|piqe|intelligent nr|smart noise cancellation|deep learning "
    r"reconstruction)\b")
_HARDWARE_WORDS = re.compile(
    r"\b(ultrasound system|ultrasound scanner|diagnostic ultrasound|ultrasound imaging system|"
    r"ct system|ct scanner|computed tomography x ray system|computed tomography system|"
    r"mr system|mri system|magnetic resonance (?:diagnostic |imaging )?system|x ray system|"
    r"radiographic system|radiography system|fluoroscopic system|mammography system|"
    r"tomosynthesis system|pet ct|pet mr|pet system|spect system|c arm|imaging system|scanner|"
    r"flat panel detector|x ray detector|digital detector|transducer|digital radiography|radiographic fluoroscopic)\b")

# Companies that make imaging hardware (scanner OEMs and device makers), as normalised
# company-key prefixes; a company whose key starts with one of them counts.
HARDWARE_MAKERS = (
    "ge", "siemens", "philips", "canon medical", "canon inc", "toshiba",
    "fujifilm", "hitachi", "samsung medison", "samsung electronics", "mindray", "shenzhen mindray",
    "shanghai united imaging", "united imaging", "esaote", "hologic", "carestream health",
    "konica minolta", "agfa", "shimadzu", "neusoft", "planmeca", "vatech", "carestream dental",
    "dentsply sirona", "sirona", "medtronic navigation", "butterfly network", "hyperfine",
    "clarius", "echonous", "exo imaging", "nano x imaging", "nanox imaging", "oxos medical", "micro x",
    "arineta", "omega medical imaging", "rivanna", "verdure imaging", "sonic incytes", "edgecare",
    "perimeter medical", "ninepoint medical", "seno medical", "carl zeiss", "abbott medical",
    "sonoscape", "chison", "wisonic", "qisda", "sonosite", "promaxo", "imaging diagnostic systems",
    "bracco", "analogic", "bk medical", "terason", "supersonic imagine", "alpinion", "healcerion",
    "intelligent retina", "notal vision", "lumicell", "verathon", "varian", "elekta", "accuray",
)


@dataclass(frozen=True)
class Kind:
    kind: str
    rule: str
    reason: str


def makes_hardware(company: str) -> bool:
    key = normalize_company(company)
    return any(key == p or key.startswith(p + " ") for p in HARDWARE_MAKERS)


def product_kind(name: str, company: str = "", product_code: str | None = None,
                 device_names: tuple[str, ...] = ()) -> Kind:
    """The kind of one product (see the module's rules). ``device_names`` are the device
    names of its registrations (read as well as the product name)."""
    code = (product_code or "").strip().upper()
    for text in (fold(name), " ".join(fold(n) for n in device_names if n)):
        found = _by_words(text) if text else None
        if found is not None:
            return found
    if code in DEVICE_CODES and makes_hardware(company):
        return Kind(IMAGING_SYSTEM, "K4", f"imaging-hardware maker, product code {code} ({DEVICE_CODES[code]})")
    if code in DEVICE_CODES:
        return Kind(SOFTWARE, "K5", f"product code {code} ({DEVICE_CODES[code]}) but the company makes no imaging hardware")
    return Kind(SOFTWARE, "K6", f"AI software product code {code}" if code else "no hardware cue")


def _by_words(text: str) -> Kind | None:
    """K1-K3 on one text (the product name first, then its registrations' device names)."""
    engine = _SCANNER_ENGINES.search(text)
    if engine:
        return Kind(IMAGING_SYSTEM, "K2", f"reconstruction engine shipped with the scanner ({engine.group(0)!r})")
    software_word = _SOFTWARE_WORDS.search(text)
    if software_word:
        return Kind(SOFTWARE, "K1", f"named as software ({software_word.group(0)!r})")
    line = _SYSTEM_LINES.search(text)
    if line:
        return Kind(IMAGING_SYSTEM, "K2", f"scanner or system line ({line.group(0)!r})")
    hardware = _HARDWARE_WORDS.search(text)
    if hardware:
        return Kind(IMAGING_SYSTEM, "K3", f"named as hardware ({hardware.group(0)!r})")
    return None
