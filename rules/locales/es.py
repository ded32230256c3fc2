"""Spanish translations of the rule data's patient-facing words, keyed by the English text.

Plain, warm Latin-American Spanish, as patients of a Southern California clinic read it, in the
"usted" form. A key is the exact English text of the rule data (a change to the English wording
needs its entry changed too: ``tests/rules/test_i18n.py`` finds both a missing entry and one no
longer used). Templates keep every ``{placeholder}`` of the English text; dates, counts and
option labels are filled in Spanish ("el jueves 10 de diciembre de 2026"), so a template reads
"su cita del {appointment_date}".

"I'm not sure" is "No sé", as on US health forms in Spanish; a patient who chose it is told
"Usted nos dijo que no sabe si ...".
"""

from __future__ import annotations

MESSAGES: dict[str, str] = {
    # Topics: one page of questions each.
    "About you": "Sobre usted",
    "Your visit": "Su visita",
    "Pregnancy and breastfeeding": "Embarazo y lactancia",
    "Health conditions": "Problemas de salud",
    "Allergies": "Alergias",
    "Medicines and supplements": "Medicamentos y suplementos",
    "Your skin": "Su piel",
    "Recent treatments and vaccines": "Tratamientos y vacunas recientes",
    "How you feel": "Cómo se siente",
    # Answers offered on yes/no questions.
    "Yes": "Sí",
    "No": "No",
    "I'm not sure": "No sé",
    # Date checks.
    "The date must be in the past": "La fecha debe ser anterior a hoy",
    "The date must be less than 120 years ago": "La fecha debe ser de hace menos de 120 años",
    "The date cannot be in the future": "La fecha no puede ser en el futuro",
    "The date cannot be after the appointment": "La fecha no puede ser después de su cita",
    # Core questions.
    "What is your date of birth?": "¿Cuál es su fecha de nacimiento?",
    "For example, 27 March 1990.": "Por ejemplo, 27 de marzo de 1990.",
    "Date of birth": "Fecha de nacimiento",
    "Enter your date of birth": "Escriba su fecha de nacimiento",
    "Which areas would you like treated?": "¿Qué zonas le gustaría tratarse?",
    "Select all that apply.": "Seleccione todas las que correspondan.",
    "Areas to be treated": "Zonas a tratar",
    "Select at least one area to be treated": "Seleccione al menos una zona a tratar",
    "Forehead": "Frente",
    "Frown lines (between the eyebrows)": "Líneas del entrecejo (entre las cejas)",
    "Crow's feet (beside the eyes)": "Patas de gallo (junto a los ojos)",
    "Smile lines (nose to mouth)": "Líneas de la sonrisa (de la nariz a la boca)",
    "Marionette lines (mouth to chin)": "Líneas de marioneta (de la boca a la barbilla)",
    "Lips": "Labios",
    "Lip lines": "Líneas alrededor de los labios",
    "Cheeks": "Mejillas",
    "Under the eyes": "Debajo de los ojos",
    "Under the chin": "Debajo de la barbilla",
    "Jawline": "Contorno de la mandíbula",
    "Neck": "Cuello",
    "Somewhere else": "Otra zona",
    "Are you pregnant, or could you be?": "¿Está embarazada o podría estarlo?",
    "Select yes, no or I'm not sure for whether you are or could be pregnant": (
        "Indique si está o podría estar embarazada (sí, no o no sé)"
    ),
    "Are you breastfeeding?": "¿Está amamantando (dando pecho)?",
    "Select yes or no for whether you are breastfeeding": ("Indique si está amamantando (sí o no)"),
    "Have you ever had a neuromuscular disorder?": (
        "¿Alguna vez ha tenido un trastorno neuromuscular?"
    ),
    "For example myasthenia gravis, ALS (motor neurone disease) or Lambert-Eaton.": (
        "Por ejemplo, miastenia gravis, ELA (esclerosis lateral amiotrófica) o síndrome de "
        "Lambert-Eaton."
    ),
    "Select yes, no or I'm not sure for a neuromuscular disorder": (
        "Indique si ha tenido un trastorno neuromuscular (sí, no o no sé)"
    ),
    "Do you have a condition, or take a medicine, that weakens your immune system?": (
        "¿Tiene alguna enfermedad, o toma algún medicamento, que debilite su sistema inmunológico?"
    ),
    "For example HIV, an organ transplant, chemotherapy, or steroid tablets.": (
        "Por ejemplo, VIH, un trasplante de órgano, quimioterapia o pastillas de esteroides."
    ),
    "Select yes, no or I'm not sure for a weakened immune system": (
        "Indique si tiene el sistema inmunológico debilitado (sí, no o no sé)"
    ),
    "Have you taken any of these in the last 7 days?": (
        "¿Ha tomado alguno de estos en los últimos 7 días?"
    ),
    (
        "Ibuprofen is in Advil and Motrin, naproxen in Aleve; fish oil includes omega-3 "
        "capsules. Cold and flu remedies can contain aspirin or ibuprofen. Select all that you "
        "have taken, or None of these."
    ): (
        "El ibuprofeno está en Advil y Motrin, y el naproxeno en Aleve; el aceite de pescado "
        "incluye las cápsulas de omega-3. Los remedios para el resfriado y la gripe pueden "
        'contener aspirina o ibuprofeno. Seleccione todos los que haya tomado, o "Ninguno de '
        'estos".'
    ),
    "Select the medicines and supplements you have taken, or none": (
        "Seleccione los medicamentos y suplementos que ha tomado, o ninguno"
    ),
    "Aspirin": "Aspirina",
    "Ibuprofen": "Ibuprofeno",
    "Naproxen": "Naproxeno",
    "Fish oil": "Aceite de pescado",
    "Vitamin E": "Vitamina E",
    "Ginkgo biloba": "Ginkgo biloba",
    "Ginseng": "Ginseng",
    "Garlic supplements": "Suplementos de ajo",
    "St John's wort": "Hierba de San Juan",
    "Kava kava": "Kava kava",
    "When did you last take any of them?": "¿Cuándo fue la última vez que tomó alguno de ellos?",
    "The date of the most recent dose.": "La fecha de la dosis más reciente.",
    "Date of your last dose": "Fecha de su última dosis",
    "Enter the date you last took any of them": (
        "Escriba la fecha en que tomó alguno de ellos por última vez"
    ),
    "Has a doctor prescribed you a blood thinner?": (
        "¿Algún médico le ha recetado un anticoagulante (medicamento para diluir la sangre)?"
    ),
    (
        "For example warfarin, apixaban (Eliquis), rivaroxaban (Xarelto), dabigatran "
        "(Pradaxa), clopidogrel (Plavix), or daily aspirin ordered by a doctor."
    ): (
        "Por ejemplo, warfarina, apixabán (Eliquis), rivaroxabán (Xarelto), dabigatrán "
        "(Pradaxa), clopidogrel (Plavix) o aspirina diaria indicada por un médico."
    ),
    "Select yes, no or I'm not sure for a prescribed blood thinner": (
        "Indique si le han recetado un anticoagulante (sí, no o no sé)"
    ),
    "Are you feeling unwell?": "¿Se siente mal?",
    "For example a cold, flu, fever or another illness.": (
        "Por ejemplo, un resfriado, gripe, fiebre u otra enfermedad."
    ),
    "Select yes or no for whether you are feeling unwell": "Indique si se siente mal (sí o no)",
    "Do you have a cold sore right now?": (
        "¿Tiene herpes labial (un fuego en el labio) en este momento?"
    ),
    "Select yes or no for whether you have a cold sore": (
        "Indique si tiene herpes labial (sí o no)"
    ),
    "Do you have a blemish or rash where you will be treated?": (
        "¿Tiene algún granito o sarpullido en la zona que se va a tratar?"
    ),
    "Select yes or no for a blemish or rash in the area": (
        "Indique si tiene un granito o sarpullido en la zona (sí o no)"
    ),
    # Questions the catalog's rule sets add.
    "Do you have a bleeding or clotting disorder?": (
        "¿Tiene algún trastorno de sangrado o de coagulación?"
    ),
    "For example haemophilia or von Willebrand disease.": (
        "Por ejemplo, hemofilia o enfermedad de von Willebrand."
    ),
    "Select yes, no or I'm not sure for a bleeding or clotting disorder": (
        "Indique si tiene un trastorno de sangrado o de coagulación (sí, no o no sé)"
    ),
    "Do you have an autoimmune condition?": "¿Tiene alguna enfermedad autoinmune?",
    (
        "For example lupus, rheumatoid arthritis, scleroderma or autoimmune thyroid disease "
        "(Hashimoto's or Graves')."
    ): (
        "Por ejemplo, lupus, artritis reumatoide, esclerodermia o enfermedad autoinmune de la "
        "tiroides (de Hashimoto o de Graves)."
    ),
    "Select yes, no or I'm not sure for an autoimmune condition": (
        "Indique si tiene una enfermedad autoinmune (sí, no o no sé)"
    ),
    "Do you have trouble swallowing or breathing?": (
        "¿Tiene dificultad para tragar o para respirar?"
    ),
    "Including asthma or emphysema.": "Incluye el asma o el enfisema.",
    "Select yes, no or I'm not sure for trouble swallowing or breathing": (
        "Indique si tiene dificultad para tragar o para respirar (sí, no o no sé)"
    ),
    "Do you have diabetes that is not under control?": (
        "¿Tiene diabetes que no está bajo control?"
    ),
    "For example, your doctor has told you your blood sugar is often too high.": (
        "Por ejemplo, su médico le ha dicho que su nivel de azúcar en la sangre suele estar "
        "demasiado alto."
    ),
    "Select yes, no or I'm not sure for diabetes that is not under control": (
        "Indique si tiene diabetes que no está bajo control (sí, no o no sé)"
    ),
    ("Are you having chemotherapy now, or have you had radiation therapy in the last 3 months?"): (
        "¿Está recibiendo quimioterapia, o ha recibido radioterapia en los últimos 3 meses?"
    ),
    "Select yes or no for cancer treatment": (
        "Indique si está recibiendo tratamiento contra el cáncer (sí o no)"
    ),
    "Have you ever had anaphylaxis, or do you have several severe allergies?": (
        "¿Alguna vez ha tenido anafilaxia, o tiene varias alergias graves?"
    ),
    (
        "Anaphylaxis is a sudden, severe allergic reaction, for example swelling of the throat "
        "or trouble breathing."
    ): (
        "La anafilaxia es una reacción alérgica repentina y grave; por ejemplo, hinchazón de la "
        "garganta o dificultad para respirar."
    ),
    "Select yes or no for severe allergies": "Indique si tiene alergias graves (sí o no)",
    "Are you allergic to lidocaine or any other numbing medicine?": (
        "¿Tiene alergia a la lidocaína o a algún otro medicamento para adormecer (anestesia local)?"
    ),
    "Numbing medicine is used by dentists and in numbing creams.": (
        "Es el medicamento que usan los dentistas para adormecer, y también viene en cremas "
        "anestésicas."
    ),
    "Select yes, no or I'm not sure for an allergy to numbing medicine": (
        "Indique si tiene alergia a algún medicamento para adormecer (sí, no o no sé)"
    ),
    "Are you allergic to hyaluronic acid, poly-L-lactic acid, or a filler you had before?": (
        "¿Tiene alergia al ácido hialurónico, al ácido poli-L-láctico o a algún relleno que se "
        "haya puesto antes?"
    ),
    "Select yes or no for an allergy to filler": (
        "Indique si tiene alergia a algún relleno (sí o no)"
    ),
    "Are you allergic to any botulinum toxin product?": (
        "¿Tiene alergia a algún producto de toxina botulínica?"
    ),
    "For example Botox, Dysport, Xeomin, Jeuveau or Daxxify.": (
        "Por ejemplo, Botox, Dysport, Xeomin, Jeuveau o Daxxify."
    ),
    "Select yes or no for an allergy to botulinum toxin": (
        "Indique si tiene alergia a la toxina botulínica (sí o no)"
    ),
    "Are you allergic to cow's milk protein?": (
        "¿Tiene alergia a la proteína de la leche de vaca?"
    ),
    "One brand of toxin contains a small amount of it.": (
        "Una marca de toxina contiene una pequeña cantidad de esta proteína."
    ),
    "Select yes or no for an allergy to cow's milk protein": (
        "Indique si tiene alergia a la proteína de la leche de vaca (sí o no)"
    ),
    "Are you allergic to stainless steel or any other metal?": (
        "¿Tiene alergia al acero inoxidable o a algún otro metal?"
    ),
    "For example, cheap jewellery makes your skin itch or go red.": (
        "Por ejemplo, la joyería de fantasía le da comezón o le enrojece la piel."
    ),
    "Select yes or no for an allergy to metal": "Indique si tiene alergia a algún metal (sí o no)",
    "Are you taking injected antibiotics, muscle relaxants or sleeping medicines?": (
        "¿Está usando antibióticos inyectados, relajantes musculares o medicamentos para dormir?"
    ),
    "Injected antibiotics such as gentamicin, tobramycin or amikacin, during a current course.": (
        "Antibióticos inyectados como gentamicina, tobramicina o amikacina, durante un "
        "tratamiento actual."
    ),
    "Select yes, no or I'm not sure for antibiotics, muscle relaxants or sleeping medicines": (
        "Indique si está usando antibióticos, relajantes musculares o medicamentos para dormir "
        "(sí, no o no sé)"
    ),
    "If you have ever taken isotretinoin (Accutane), when did you last take it?": (
        "Si alguna vez ha tomado isotretinoína (Accutane), ¿cuándo fue la última vez que la tomó?"
    ),
    (
        "Isotretinoin is an acne medicine, also sold as Roaccutane or Absorica. Leave this "
        "empty if you never have."
    ): (
        "La isotretinoína es un medicamento para el acné que también se vende como Roaccutane "
        "o Absorica. Deje esto en blanco si nunca la ha tomado."
    ),
    "Date of your last isotretinoin dose": "Fecha de su última dosis de isotretinoína",
    "Do you get raised or thick scars (keloids)?": (
        "¿Le salen cicatrices abultadas o gruesas (queloides)?"
    ),
    "Scars that grow bigger than the wound that caused them.": (
        "Cicatrices que crecen más que la herida que las causó."
    ),
    "Select yes or no for raised or thick scars": (
        "Indique si le salen cicatrices abultadas o gruesas (sí o no)"
    ),
    "Have you ever had a cold sore?": (
        "¿Alguna vez ha tenido herpes labial (un fuego en el labio)?"
    ),
    "Select yes or no for ever having had a cold sore": (
        "Indique si alguna vez ha tenido herpes labial (sí o no)"
    ),
    "Do you have acne, eczema, psoriasis or rosacea flaring up where you will be treated?": (
        "¿Tiene un brote de acné, eccema, psoriasis o rosácea en la zona que se va a tratar?"
    ),
    "Select yes or no for a skin condition flaring up in the area": (
        "Indique si tiene un brote de algún problema de la piel en la zona (sí o no)"
    ),
    "Do you have warts, raised moles or skin cancer where you will be treated?": (
        "¿Tiene verrugas, lunares abultados o cáncer de piel en la zona que se va a tratar?"
    ),
    "Select yes or no for warts, raised moles or skin cancer in the area": (
        "Indique si tiene verrugas, lunares abultados o cáncer de piel en la zona (sí o no)"
    ),
    "In the last 14 days, have you had sunburn, a tan, or used self-tanner?": (
        "En los últimos 14 días, ¿se ha quemado con el sol, se ha bronceado o ha usado "
        "autobronceador?"
    ),
    "Select yes or no for sunburn, tanning or self-tanner": (
        "Indique si se ha quemado con el sol, se ha bronceado o ha usado autobronceador (sí o no)"
    ),
    "Do you have permanent filler or an implant where you will be treated?": (
        "¿Tiene relleno permanente o algún implante en la zona que se va a tratar?"
    ),
    "Permanent fillers include silicone and PMMA (Bellafill).": (
        "Los rellenos permanentes incluyen la silicona y el PMMA (Bellafill)."
    ),
    "Select yes, no or I'm not sure for permanent filler or an implant in the area": (
        "Indique si tiene relleno permanente o un implante en la zona (sí, no o no sé)"
    ),
    "If you have had a botulinum toxin treatment before, when was the last one?": (
        "Si se ha hecho antes un tratamiento con toxina botulínica, ¿cuándo fue el último?"
    ),
    ("For example Botox, Dysport or Xeomin, for any reason. Leave this empty if you never have."): (
        "Por ejemplo, Botox, Dysport o Xeomin, por cualquier motivo. Deje esto en blanco si "
        "nunca se lo ha hecho."
    ),
    "Date of your last toxin treatment": "Fecha de su último tratamiento con toxina",
    "When did you last have a vaccine?": "¿Cuándo fue la última vez que se vacunó?",
    (
        "Any vaccine, for example flu or COVID-19. Leave this empty if you don't remember "
        "having one in the last year."
    ): (
        "Cualquier vacuna, por ejemplo contra la gripe o el COVID-19. Deje esto en blanco si no "
        "recuerda haberse vacunado en el último año."
    ),
    "Date of your most recent vaccine": "Fecha de su vacuna más reciente",
    "When is your next dental work, or when was your last?": (
        "¿Cuándo es su próximo tratamiento dental, o cuándo fue el último?"
    ),
    (
        "Including a cleaning. Give the date closest to your appointment, past or planned. "
        "Leave this empty if you don't know."
    ): (
        "Incluye una limpieza dental. Indique la fecha más cercana a su cita, ya sea pasada o "
        "programada. Deje esto en blanco si no la sabe."
    ),
    "Date of dental work": "Fecha del tratamiento dental",
    # What the patient is told: the core rules.
    (
        "You told us you are pregnant or could be. The clinic does not treat anyone who is "
        "pregnant or breastfeeding, with no exceptions, so this treatment cannot go ahead. "
        "Please call us to talk about when treatment would be safe for you."
    ): (
        "Usted nos dijo que está embarazada o que podría estarlo. La clínica no da tratamiento "
        "a nadie que esté embarazada o amamantando, sin excepciones, así que este tratamiento "
        "no se puede realizar. Por favor, llámenos para hablar sobre cuándo sería seguro para "
        "usted recibir el tratamiento."
    ),
    (
        "You weren't sure whether you could be pregnant. A nurse will contact you before your "
        "appointment on {appointment_date} to talk it through."
    ): (
        "Usted nos dijo que no sabe si podría estar embarazada. Una enfermera se comunicará con "
        "usted antes de su cita del {appointment_date} para hablarlo con calma."
    ),
    (
        "You told us you are breastfeeding. The clinic does not treat anyone who is pregnant "
        "or breastfeeding, with no exceptions, so this treatment cannot go ahead. Please call "
        "us to rebook once you have stopped breastfeeding."
    ): (
        "Usted nos dijo que está amamantando. La clínica no da tratamiento a nadie que esté "
        "embarazada o amamantando, sin excepciones, así que este tratamiento no se puede "
        "realizar. Por favor, llámenos para hacer una nueva cita cuando haya dejado de "
        "amamantar."
    ),
    (
        "You weren't sure how to answer a question about your health. A nurse will contact "
        "you to talk it through before your appointment on {appointment_date}."
    ): (
        "Usted nos dijo que no sabe cómo responder una pregunta sobre su salud. Una enfermera "
        "se comunicará con usted para hablarlo con calma antes de su cita del "
        "{appointment_date}."
    ),
    (
        "You will be {age} on the day of your appointment, and this treatment is only for "
        "people aged {years} or over. The earliest date you could come is {earliest_date}, "
        "when you turn {years}."
    ): (
        "El día de su cita usted tendrá {age} años, y este tratamiento es solo para personas "
        "de {years} años o más. La primera fecha en que podría venir es el {earliest_date}, "
        "cuando cumpla {years} años."
    ),
    (
        "Because you have had a neuromuscular disorder, we need a signed note from your "
        "primary care provider saying this treatment is safe for you. Please send or bring it "
        "before your appointment on {appointment_date}; a nurse will check it."
    ): (
        "Como usted ha tenido un trastorno neuromuscular, necesitamos una nota firmada por su "
        "médico de atención primaria que diga que este tratamiento es seguro para usted. Por "
        "favor, envíenosla o tráigala antes de su cita del {appointment_date}; una enfermera "
        "la revisará."
    ),
    (
        "You weren't sure whether you have had a neuromuscular disorder. A nurse will contact "
        "you before your appointment on {appointment_date} to talk it through."
    ): (
        "Usted nos dijo que no sabe si ha tenido un trastorno neuromuscular. Una enfermera se "
        "comunicará con usted antes de su cita del {appointment_date} para hablarlo con calma."
    ),
    (
        "Because you have a condition or take a medicine that weakens your immune system, we "
        "need a signed note from your primary care provider saying this treatment is safe for "
        "you. Please send or bring it before your appointment on {appointment_date}; a nurse "
        "will check it."
    ): (
        "Como usted tiene una enfermedad o toma un medicamento que debilita su sistema "
        "inmunológico, necesitamos una nota firmada por su médico de atención primaria que "
        "diga que este tratamiento es seguro para usted. Por favor, envíenosla o tráigala "
        "antes de su cita del {appointment_date}; una enfermera la revisará."
    ),
    (
        "You weren't sure whether your immune system is weakened by a condition or a "
        "medicine. A nurse will contact you before your appointment on {appointment_date} to "
        "talk it through."
    ): (
        "Usted nos dijo que no sabe si alguna enfermedad o algún medicamento debilita su "
        "sistema inmunológico. Una enfermera se comunicará con usted antes de su cita del "
        "{appointment_date} para hablarlo con calma."
    ),
    (
        "You take a blood thinner prescribed by a doctor. Keep taking it: do not stop a "
        "prescribed medicine unless the doctor who prescribed it tells you to. We need a note "
        "from your prescriber saying this treatment can go ahead; a nurse will check it before "
        "your appointment on {appointment_date}."
    ): (
        "Usted toma un anticoagulante recetado por un médico. Siga tomándolo: no deje de tomar "
        "un medicamento recetado a menos que se lo indique el médico que se lo recetó. "
        "Necesitamos una nota de ese médico que diga que este tratamiento se puede realizar; "
        "una enfermera la revisará antes de su cita del {appointment_date}."
    ),
    (
        "You weren't sure whether a doctor has prescribed you a blood thinner. Keep taking all "
        "your prescribed medicines. A nurse will contact you before your appointment on "
        "{appointment_date} to check."
    ): (
        "Usted nos dijo que no sabe si un médico le ha recetado un anticoagulante. Siga "
        "tomando todos sus medicamentos recetados. Una enfermera se comunicará con usted antes "
        "de su cita del {appointment_date} para confirmarlo."
    ),
    (
        "You last took {taken} on {last_dose}, less than {days} days before your appointment. "
        "These raise the risk of bruising and bleeding, so treatment needs {days} full days "
        "after the last dose. The earliest date you could come is {earliest_date}. If a doctor "
        "prescribed any of them (daily aspirin, for example), keep taking it and call us: we "
        "will check with your prescriber."
    ): (
        "Usted tomó {taken} por última vez el {last_dose}, menos de {days} días antes de su "
        "cita. Estos productos aumentan el riesgo de moretones y sangrado, así que para el "
        "tratamiento deben pasar {days} días completos desde la última dosis. La primera fecha "
        "en que podría venir es el {earliest_date}. Si un médico le recetó alguno de ellos (por "
        "ejemplo, aspirina diaria), siga tomándolo y llámenos: nosotros lo consultaremos con el "
        "médico que se lo recetó."
    ),
    (
        "You told us you are feeling unwell. Please don't come while you are ill: call us to "
        "rebook once you feel better."
    ): (
        "Usted nos dijo que se siente mal. Por favor, no venga mientras se sienta mal: "
        "llámenos para hacer una nueva cita cuando se sienta mejor."
    ),
    (
        "You have a cold sore right now. Treatment can't go ahead until it has fully healed: "
        "call us to rebook."
    ): (
        "Usted tiene herpes labial en este momento. El tratamiento no se puede realizar hasta "
        "que sane por completo: llámenos para hacer una nueva cita."
    ),
    (
        "You have a blemish or rash where you would be treated. Treatment can't go ahead until "
        "it has cleared: call us to rebook."
    ): (
        "Usted tiene un granito o sarpullido en la zona que se trataría. El tratamiento no se "
        "puede realizar hasta que desaparezca: llámenos para hacer una nueva cita."
    ),
    # What the patient is told: the catalog's rules.
    (
        "Because you have a bleeding or clotting disorder, we need a signed note from your "
        "doctor saying this treatment is safe for you. Please send or bring it before your "
        "appointment on {appointment_date}; a nurse will check it."
    ): (
        "Como usted tiene un trastorno de sangrado o de coagulación, necesitamos una nota "
        "firmada por su médico que diga que este tratamiento es seguro para usted. Por favor, "
        "envíenosla o tráigala antes de su cita del {appointment_date}; una enfermera la "
        "revisará."
    ),
    (
        "You weren't sure whether you have a bleeding or clotting disorder. A nurse will "
        "contact you before your appointment on {appointment_date} to talk it through."
    ): (
        "Usted nos dijo que no sabe si tiene un trastorno de sangrado o de coagulación. Una "
        "enfermera se comunicará con usted antes de su cita del {appointment_date} para "
        "hablarlo con calma."
    ),
    (
        "Because you have an autoimmune condition, we need a signed note from your doctor "
        "saying this treatment is safe for you. Please send or bring it before your "
        "appointment on {appointment_date}; a nurse will check it."
    ): (
        "Como usted tiene una enfermedad autoinmune, necesitamos una nota firmada por su "
        "médico que diga que este tratamiento es seguro para usted. Por favor, envíenosla o "
        "tráigala antes de su cita del {appointment_date}; una enfermera la revisará."
    ),
    (
        "You weren't sure whether you have an autoimmune condition. A nurse will contact you "
        "before your appointment on {appointment_date} to talk it through."
    ): (
        "Usted nos dijo que no sabe si tiene una enfermedad autoinmune. Una enfermera se "
        "comunicará con usted antes de su cita del {appointment_date} para hablarlo con calma."
    ),
    (
        "Because you have trouble swallowing or breathing, we need a signed note from your "
        "doctor saying this treatment is safe for you. Please send or bring it before your "
        "appointment on {appointment_date}; a nurse will check it."
    ): (
        "Como usted tiene dificultad para tragar o para respirar, necesitamos una nota firmada "
        "por su médico que diga que este tratamiento es seguro para usted. Por favor, "
        "envíenosla o tráigala antes de su cita del {appointment_date}; una enfermera la "
        "revisará."
    ),
    (
        "You weren't sure whether you have trouble swallowing or breathing. A nurse will "
        "contact you before your appointment on {appointment_date} to talk it through."
    ): (
        "Usted nos dijo que no sabe si tiene dificultad para tragar o para respirar. Una "
        "enfermera se comunicará con usted antes de su cita del {appointment_date} para "
        "hablarlo con calma."
    ),
    (
        "Because you are having chemotherapy, or had radiation therapy in the last 3 months, "
        "we need a signed note from your oncologist or doctor saying this treatment is safe "
        "for you. Please send or bring it before your appointment on {appointment_date}; a "
        "nurse will check it."
    ): (
        "Como usted está recibiendo quimioterapia, o recibió radioterapia en los últimos 3 "
        "meses, necesitamos una nota firmada por su oncólogo o su médico que diga que este "
        "tratamiento es seguro para usted. Por favor, envíenosla o tráigala antes de su cita "
        "del {appointment_date}; una enfermera la revisará."
    ),
    (
        "You weren't sure whether you are having cancer treatment. A nurse will contact you "
        "before your appointment on {appointment_date} to talk it through."
    ): (
        "Usted nos dijo que no sabe si está recibiendo tratamiento contra el cáncer. Una "
        "enfermera se comunicará con usted antes de su cita del {appointment_date} para "
        "hablarlo con calma."
    ),
    (
        "Because your diabetes is not under control, which slows healing, we need a signed "
        "note from your doctor saying this treatment is safe for you. Please send or bring it "
        "before your appointment on {appointment_date}; a nurse will check it."
    ): (
        "Como su diabetes no está bajo control, lo que hace más lenta la cicatrización, "
        "necesitamos una nota firmada por su médico que diga que este tratamiento es seguro "
        "para usted. Por favor, envíenosla o tráigala antes de su cita del "
        "{appointment_date}; una enfermera la revisará."
    ),
    (
        "You weren't sure whether your diabetes is under control. A nurse will contact you "
        "before your appointment on {appointment_date} to talk it through."
    ): (
        "Usted nos dijo que no sabe si su diabetes está bajo control. Una enfermera se "
        "comunicará con usted antes de su cita del {appointment_date} para hablarlo con calma."
    ),
    (
        "You told us you get raised or thick scars (keloids). A nurse will contact you before "
        "your appointment on {appointment_date} to talk it through and decide whether it can "
        "go ahead."
    ): (
        "Usted nos dijo que le salen cicatrices abultadas o gruesas (queloides). Una enfermera "
        "se comunicará con usted antes de su cita del {appointment_date} para hablarlo con "
        "calma y decidir si se puede realizar el tratamiento."
    ),
    (
        "You told us you get raised or thick scars (keloids). This means this treatment is not "
        "suitable for you, so it cannot go ahead. Please call us to talk about other "
        "treatments."
    ): (
        "Usted nos dijo que le salen cicatrices abultadas o gruesas (queloides). Esto significa "
        "que este tratamiento no es adecuado para usted, así que no se puede realizar. Por "
        "favor, llámenos para hablar sobre otros tratamientos."
    ),
    (
        "You told us you have had anaphylaxis or have several severe allergies. This means "
        "this treatment is not suitable for you, so it cannot go ahead. Please call us to talk "
        "about other treatments."
    ): (
        "Usted nos dijo que ha tenido anafilaxia o que tiene varias alergias graves. Esto "
        "significa que este tratamiento no es adecuado para usted, así que no se puede "
        "realizar. Por favor, llámenos para hablar sobre otros tratamientos."
    ),
    (
        "You told us you have had anaphylaxis or have several severe allergies. A nurse will "
        "contact you before your appointment on {appointment_date} to talk it through and "
        "decide whether it can go ahead."
    ): (
        "Usted nos dijo que ha tenido anafilaxia o que tiene varias alergias graves. Una "
        "enfermera se comunicará con usted antes de su cita del {appointment_date} para "
        "hablarlo con calma y decidir si se puede realizar el tratamiento."
    ),
    (
        "You told us you are allergic to lidocaine or another numbing medicine. A nurse will "
        "contact you before your appointment on {appointment_date} to talk it through and "
        "decide whether it can go ahead."
    ): (
        "Usted nos dijo que tiene alergia a la lidocaína o a otro medicamento para adormecer. "
        "Una enfermera se comunicará con usted antes de su cita del {appointment_date} para "
        "hablarlo con calma y decidir si se puede realizar el tratamiento."
    ),
    (
        "You weren't sure whether you are allergic to numbing medicine. A nurse will contact "
        "you before your appointment on {appointment_date} to talk it through."
    ): (
        "Usted nos dijo que no sabe si tiene alergia a los medicamentos para adormecer. Una "
        "enfermera se comunicará con usted antes de su cita del {appointment_date} para "
        "hablarlo con calma."
    ),
    (
        "You told us you are allergic to hyaluronic acid, poly-L-lactic acid or a filler you "
        "had before. This means this treatment is not suitable for you, so it cannot go ahead. "
        "Please call us to talk about other treatments."
    ): (
        "Usted nos dijo que tiene alergia al ácido hialurónico, al ácido poli-L-láctico o a "
        "algún relleno que se haya puesto antes. Esto significa que este tratamiento no es "
        "adecuado para usted, así que no se puede realizar. Por favor, llámenos para hablar "
        "sobre otros tratamientos."
    ),
    (
        "You told us you are allergic to a botulinum toxin product. This means this treatment "
        "is not suitable for you, so it cannot go ahead. Please call us to talk about other "
        "treatments."
    ): (
        "Usted nos dijo que tiene alergia a un producto de toxina botulínica. Esto significa "
        "que este tratamiento no es adecuado para usted, así que no se puede realizar. Por "
        "favor, llámenos para hablar sobre otros tratamientos."
    ),
    (
        "You told us you are allergic to cow's milk protein. A nurse will contact you before "
        "your appointment on {appointment_date} to talk it through and decide whether it can "
        "go ahead."
    ): (
        "Usted nos dijo que tiene alergia a la proteína de la leche de vaca. Una enfermera se "
        "comunicará con usted antes de su cita del {appointment_date} para hablarlo con calma "
        "y decidir si se puede realizar el tratamiento."
    ),
    (
        "You told us you are taking injected antibiotics, muscle relaxants or sleeping "
        "medicines. A nurse will contact you before your appointment on {appointment_date} to "
        "talk it through and decide whether it can go ahead."
    ): (
        "Usted nos dijo que está usando antibióticos inyectados, relajantes musculares o "
        "medicamentos para dormir. Una enfermera se comunicará con usted antes de su cita del "
        "{appointment_date} para hablarlo con calma y decidir si se puede realizar el "
        "tratamiento."
    ),
    (
        "You weren't sure whether you are taking any of those medicines. A nurse will contact "
        "you before your appointment on {appointment_date} to talk it through."
    ): (
        "Usted nos dijo que no sabe si está usando alguno de esos medicamentos. Una enfermera "
        "se comunicará con usted antes de su cita del {appointment_date} para hablarlo con "
        "calma."
    ),
    (
        "You told us you have permanent filler or an implant where you will be treated. A "
        "nurse will contact you before your appointment on {appointment_date} to talk it "
        "through and decide whether it can go ahead."
    ): (
        "Usted nos dijo que tiene relleno permanente o un implante en la zona que se va a "
        "tratar. Una enfermera se comunicará con usted antes de su cita del {appointment_date} "
        "para hablarlo con calma y decidir si se puede realizar el tratamiento."
    ),
    (
        "You weren't sure whether you have permanent filler or an implant in the area. A nurse "
        "will contact you before your appointment on {appointment_date} to talk it through."
    ): (
        "Usted nos dijo que no sabe si tiene relleno permanente o un implante en la zona. Una "
        "enfermera se comunicará con usted antes de su cita del {appointment_date} para "
        "hablarlo con calma."
    ),
    (
        "You told us you have warts, raised moles or skin cancer where you will be treated. A "
        "nurse will contact you before your appointment on {appointment_date} to talk it "
        "through and decide whether it can go ahead."
    ): (
        "Usted nos dijo que tiene verrugas, lunares abultados o cáncer de piel en la zona que "
        "se va a tratar. Una enfermera se comunicará con usted antes de su cita del "
        "{appointment_date} para hablarlo con calma y decidir si se puede realizar el "
        "tratamiento."
    ),
    (
        "You have had cold sores, and you will be treated around the mouth ({items}). "
        "Treatment there can bring a cold sore back, so you need an antiviral medicine "
        "beforehand. Please ask your doctor to prescribe it and send us their note; a nurse "
        "will check it before your appointment on {appointment_date}."
    ): (
        "Usted ha tenido herpes labial, y se le va a tratar alrededor de la boca ({items}). El "
        "tratamiento en esa zona puede hacer que el herpes labial vuelva a salir, así que "
        "necesita tomar un medicamento antiviral antes. Por favor, pídale a su médico que se "
        "lo recete y que nos envíe una nota; una enfermera la revisará antes de su cita del "
        "{appointment_date}."
    ),
    (
        "You have a cold sore now, or have had cold sores before, and you will be treated "
        "around the mouth ({items}). Treatment there can bring a cold sore back, so you need "
        "an antiviral medicine beforehand. Please ask your doctor to prescribe it and send us "
        "their note; a nurse will check it before your appointment on {appointment_date}."
    ): (
        "Usted tiene herpes labial ahora, o lo ha tenido antes, y se le va a tratar alrededor "
        "de la boca ({items}). El tratamiento en esa zona puede hacer que el herpes labial "
        "vuelva a salir, así que necesita tomar un medicamento antiviral antes. Por favor, "
        "pídale a su médico que se lo recete y que nos envíe una nota; una enfermera la "
        "revisará antes de su cita del {appointment_date}."
    ),
    (
        "Your last toxin treatment was on {date}, less than {window} before your appointment. "
        "Toxin treatments need at least {window} between them. The earliest date you could "
        "come is {earliest_date}."
    ): (
        "Su último tratamiento con toxina fue el {date}, menos de {window} antes de su cita. "
        "Entre un tratamiento con toxina y el siguiente deben pasar al menos {window}. La "
        "primera fecha en que podría venir es el {earliest_date}."
    ),
    (
        "You last took isotretinoin on {date}. Your skin needs {window} after the last dose to "
        "heal normally after microneedling. The earliest date you could come is "
        "{earliest_date}. If a doctor prescribed isotretinoin and you are still taking it, keep "
        "taking it: do not stop a prescribed medicine because of this treatment. Talk to your "
        "prescriber, and call us."
    ): (
        "Usted tomó isotretinoína por última vez el {date}. Su piel necesita {window} después "
        "de la última dosis para sanar normalmente después del tratamiento con microagujas. La "
        "primera fecha en que podría venir es el {earliest_date}. Si un médico le recetó "
        "isotretinoína y todavía la toma, siga tomándola: no deje de tomar un medicamento "
        "recetado a causa de este tratamiento. Hable con el médico que se la recetó, y "
        "llámenos."
    ),
    (
        "You told us you are allergic to stainless steel or another metal. This means this "
        "treatment is not suitable for you, so it cannot go ahead. Please call us to talk "
        "about other treatments."
    ): (
        "Usted nos dijo que tiene alergia al acero inoxidable o a otro metal. Esto significa "
        "que este tratamiento no es adecuado para usted, así que no se puede realizar. Por "
        "favor, llámenos para hablar sobre otros tratamientos."
    ),
    (
        "You told us you have had sunburn, a tan or self-tanner in the last 14 days. Treatment "
        "can't go ahead until it has fully settled: please call us to rebook."
    ): (
        "Usted nos dijo que en los últimos 14 días se ha quemado con el sol, se ha bronceado o "
        "ha usado autobronceador. El tratamiento no se puede realizar hasta que su piel se "
        "haya recuperado por completo: por favor, llámenos para hacer una nueva cita."
    ),
    (
        "You told us you have acne, eczema, psoriasis or rosacea flaring up where you will be "
        "treated. Treatment can't go ahead until it has fully settled: please call us to "
        "rebook."
    ): (
        "Usted nos dijo que tiene un brote de acné, eccema, psoriasis o rosácea en la zona que "
        "se va a tratar. El tratamiento no se puede realizar hasta que el brote se haya "
        "calmado por completo: por favor, llámenos para hacer una nueva cita."
    ),
    (
        "You had a vaccine on {date}, {relation}. Some clinics prefer {days} days between a "
        "vaccine and filler, so we may talk to you about it. This on its own does not change "
        "your appointment."
    ): (
        "Usted se vacunó el {date}, {relation}. Algunas clínicas prefieren que pasen {days} "
        "días entre una vacuna y un relleno, así que es posible que hablemos con usted al "
        "respecto. Esto, por sí solo, no cambia su cita."
    ),
    (
        "Your dental work on {date} is {relation}. Some clinics prefer {days} days between "
        "dental work and this treatment, to lower the risk of infection, so we may talk to you "
        "about it. This on its own does not change your appointment."
    ): (
        "Su tratamiento dental del {date} es {relation}. Algunas clínicas prefieren que pasen "
        "{days} días entre un tratamiento dental y este tratamiento, para reducir el riesgo de "
        "infección, así que es posible que hablemos con usted al respecto. Esto, por sí solo, "
        "no cambia su cita."
    ),
    # A blocking rule reading a question the patient was never asked (rules.engine).
    (
        "We need to ask you something we did not ask before: {questions} A nurse will contact "
        "you before your appointment on {appointment_date}."
    ): (
        "Necesitamos hacerle una pregunta que no le hicimos antes: {questions} Una enfermera se "
        "comunicará con usted antes de su cita del {appointment_date}."
    ),
    # Pre-care instructions.
    (
        "Do not take aspirin, ibuprofen, naproxen, fish oil, vitamin E, ginkgo biloba, "
        "ginseng, garlic supplements, St John's wort or kava kava from {from_date} until your "
        "appointment on {until_date}. If a doctor prescribed one of these, or another blood "
        "thinner, keep taking it and call us: we will check with your prescriber."
    ): (
        "No tome aspirina, ibuprofeno, naproxeno, aceite de pescado, vitamina E, ginkgo biloba, "
        "ginseng, suplementos de ajo, hierba de San Juan ni kava kava desde el {from_date} "
        "hasta su cita del {until_date}. Si un médico le recetó alguno de estos, u otro "
        "anticoagulante, siga tomándolo y llámenos: nosotros lo consultaremos con el médico "
        "que se lo recetó."
    ),
    # Screened fewer days ahead than the instruction starts: it is never dated in the past.
    (
        "Do not take aspirin, ibuprofen, naproxen, fish oil, vitamin E, ginkgo biloba, "
        "ginseng, garlic supplements, St John's wort or kava kava from now until your "
        "appointment on {until_date}. If a doctor prescribed one of these, or another blood "
        "thinner, keep taking it and call us: we will check with your prescriber."
    ): (
        "No tome aspirina, ibuprofeno, naproxeno, aceite de pescado, vitamina E, ginkgo biloba, "
        "ginseng, suplementos de ajo, hierba de San Juan ni kava kava desde ahora hasta su cita "
        "del {until_date}. Si un médico le recetó alguno de estos, u otro anticoagulante, siga "
        "tomándolo y llámenos: nosotros lo consultaremos con el médico que se lo recetó."
    ),
    (
        "Have no alcohol and no caffeine (coffee, tea, energy drinks) in the 24 hours before "
        "your appointment: from the same time of day on {from_date}."
    ): (
        "No tome alcohol ni cafeína (café, té, bebidas energéticas) durante las 24 horas antes "
        "de su cita: desde la misma hora del {from_date}."
    ),
    (
        "Have no alcohol and no caffeine (coffee, tea, energy drinks) in the 24 hours before "
        "your appointment."
    ): (
        "No tome alcohol ni cafeína (café, té, bebidas energéticas) durante las 24 horas antes "
        "de su cita."
    ),
    "Come to your appointment on {until_date} without make-up, if you can.": (
        "Si puede, venga a su cita del {until_date} sin maquillaje."
    ),
    (
        "If you feel unwell, or get a cold sore, a blemish or a rash where you will be treated "
        "before {until_date}, call us to rebook."
    ): (
        "Si antes del {until_date} se siente mal, o le sale herpes labial, un granito o un "
        "sarpullido en la zona que se va a tratar, llámenos para hacer una nueva cita."
    ),
}
