"""The consent documents in Spanish, one for each English one, with the same sections and items.

A Spanish document is a document of its own: a patient who reads it signs it, and its hash is
the one stored. Like the English texts, a change of wording is a new document.
"""

from __future__ import annotations

from .document import ConsentDocument, ConsentSection

DECLARATION = (
    "Confirmo que mis respuestas son verdaderas y completas, según mi leal saber y entender. "
    "Entiendo las instrucciones de cuidado de antes y después del tratamiento que se indican "
    "arriba. Llamaré a la clínica antes de mi cita si cambia algo en mis respuestas. Doy mi "
    "consentimiento para este tratamiento."
)

PDO_SMOOTH_THREADS = ConsentDocument(
    title="Consentimiento para hilos lisos de PDO",
    introduction=(
        "Los hilos lisos son hilos pequeños y delgados de polidioxanona (PDO) que ayudan a "
        "estimular el colágeno donde se colocan. A diferencia de los hilos con espículas, no "
        "levantan la piel. Son mínimamente invasivos y se usan en zonas como las líneas del "
        "entrecejo, las líneas de la sonrisa, las líneas de los labios, debajo del mentón y el "
        "cuello, con molestias y tiempo de recuperación mínimos."
    ),
    sections=(
        ConsentSection(
            "Antes de su tratamiento",
            (
                "Evite la aspirina, el ibuprofeno, el naproxeno, los anticoagulantes, el aceite "
                "de pescado, la vitamina E, el ginkgo biloba, el ginseng, el ajo, la hierba de "
                "San Juan y la kava kava durante los 7 días anteriores al procedimiento, para "
                "reducir los moretones y la hinchazón. No deje de tomar un medicamento que le "
                "recetó un médico sin consultarlo antes con ese médico.",
                "Evite el alcohol y la cafeína durante las 24 horas anteriores al procedimiento, "
                "para reducir los moretones y la hinchazón.",
                "Cambie la fecha de su cita si no se siente bien, o si le sale un herpes labial, "
                "una imperfección o un sarpullido en la zona que se va a tratar.",
                "Las pacientes que estén embarazadas o amamantando no pueden recibir el "
                "tratamiento. Sin excepciones.",
                "Si tiene antecedentes de un trastorno neuromuscular o inmunosupresor, obtenga "
                "una nota firmada de su médico de atención primaria que autorice el tratamiento.",
                "Venga a su cita sin maquillaje, si es posible.",
            ),
            numbered=True,
        ),
        ConsentSection(
            "Después del procedimiento, es posible que note",
            (
                "Hinchazón y moretones en la zona tratada durante un máximo de dos semanas.",
                "Una mejoría gradual, visible varias semanas después del primer tratamiento. Por "
                "lo general se recomiendan varios tratamientos, con 4 a 6 semanas de diferencia, "
                "para obtener el mejor resultado.",
            ),
        ),
        ConsentSection(
            "Después de su tratamiento",
            (
                "No se dé masaje en la zona tratada.",
                "Evite hacer ejercicio durante 24 horas.",
                "Evite maquillarse en la zona tratada durante 24 horas.",
            ),
            numbered=True,
        ),
        ConsentSection(
            "Cómo mantener sus resultados",
            (
                "Se recomiendan de 3 a 4 tratamientos, con 4 a 6 semanas de diferencia, para "
                "obtener los mejores resultados; asegúrese de tener programadas sus citas de "
                "seguimiento.",
                "Un tratamiento de mantenimiento cada año ayuda a mantener la producción de "
                "colágeno.",
            ),
        ),
    ),
    declaration=DECLARATION,
)

_AVOID_BLEEDING_RISK = (
    "Evite la aspirina, el ibuprofeno, el naproxeno, el aceite de pescado, la vitamina E, el "
    "ginkgo biloba, el ginseng, el ajo, la hierba de San Juan y la kava kava durante los 7 días "
    "anteriores a su cita, para reducir el riesgo de moretones y sangrado. No deje de tomar un "
    "medicamento que le recetó un médico, como un anticoagulante, sin consultarlo antes con ese "
    "médico; en lugar de eso, avísenos."
)
_AVOID_ALCOHOL_AND_CAFFEINE = (
    "Evite el alcohol y la cafeína durante las 24 horas anteriores a su cita, para reducir el "
    "riesgo de moretones e hinchazón."
)
_RESCHEDULE_IF_UNWELL = (
    "Llámenos para cambiar la fecha de su cita si no se siente bien, o si le sale un herpes "
    "labial, una imperfección o un sarpullido en la zona que se va a tratar."
)
_NOT_IN_PREGNANCY = (
    "Las pacientes que estén embarazadas o amamantando no pueden recibir el tratamiento. Sin "
    "excepciones."
)
_NO_MAKEUP = "Venga a su cita sin maquillaje en la zona, si es posible."
_COLD_SORES_AROUND_THE_MOUTH = (
    "Si alguna vez ha tenido herpes labial y le van a tratar en los labios o la boca, o cerca de "
    "ellos, el tratamiento puede hacer que vuelva a aparecer: necesitará un medicamento "
    "antiviral de su médico antes del tratamiento, y una nota de su médico que lo indique."
)
_INFECTION_SIGNS = (
    "Llámenos de inmediato si nota dolor, enrojecimiento, hinchazón o calor que empeoran en "
    "lugar de mejorar, cualquier secreción, o fiebre."
)
_NUMBING_AND_SCARS = (
    "Díganos si tiene alergia a la lidocaína o a cualquier otro medicamento para adormecer, si "
    "le salen cicatrices elevadas o gruesas (queloides), o si tiene relleno permanente o un "
    "implante en la zona que se va a tratar. Una enfermera lo hablará con usted."
)
_SKIN_FLARE = (
    "Llámenos para cambiar la fecha de su cita si tiene un brote de acné, eccema, psoriasis o "
    "rosácea en la zona que se va a tratar."
)


def _note_needed(*conditions: str) -> str:
    # Punto y coma, porque las condiciones mismas llevan comas.
    listed = "; ".join(conditions[:-1]) + f"; o {conditions[-1]}"
    return (
        f"Obtenga una nota firmada de su médico que autorice el tratamiento, y envíenosla antes "
        f"de su cita, si tiene {listed}. Una enfermera revisará la nota."
    )


_NEUROMUSCULAR = "un trastorno neuromuscular (como la miastenia grave)"
_IMMUNOSUPPRESSION = "una enfermedad o un medicamento que debilita su sistema inmunitario"
_BLEEDING_DISORDER = "un trastorno de sangrado o de coagulación"
_AUTOIMMUNE = "una enfermedad autoinmune (como lupus o artritis reumatoide)"
_CANCER_TREATMENT = (
    "tratamiento contra el cáncer (quimioterapia actualmente, o radioterapia en los últimos 3 "
    "meses)"
)
_UNCONTROLLED_DIABETES = "diabetes que no está bajo control"


def _before(*specific: str, note_for: tuple[str, ...]) -> ConsentSection:
    """Antes del tratamiento: las instrucciones de todos los tratamientos, luego las propias."""
    return ConsentSection(
        "Antes de su tratamiento",
        (
            _AVOID_BLEEDING_RISK,
            _AVOID_ALCOHOL_AND_CAFFEINE,
            _RESCHEDULE_IF_UNWELL,
            _NOT_IN_PREGNANCY,
            _note_needed(*note_for),
            *specific,
            _NO_MAKEUP,
        ),
        numbered=True,
    )


PDO_BARBED_THREADS = ConsentDocument(
    title="Consentimiento para hilos tensores de PDO con espículas (lifting con hilos)",
    introduction=(
        "Los hilos tensores de PDO (un lifting con hilos) son hilos delgados de polidioxanona "
        "(PDO), un material que se usa en los puntos de sutura que se disuelven, con pequeñas "
        "espículas a lo largo. Se colocan debajo de la piel con una aguja fina o una cánula, por "
        "lo general después de adormecer la zona, para levantar y sostener la piel flácida, por "
        "ejemplo a lo largo de la línea de la mandíbula o en las mejillas. Los hilos se "
        "disuelven en el transcurso de varios meses y, mientras lo hacen, ayudan a estimular el "
        "colágeno."
    ),
    sections=(
        _before(
            _NUMBING_AND_SCARS,
            _COLD_SORES_AROUND_THE_MOUTH,
            _SKIN_FLARE,
            "Si puede, evite programar trabajos dentales en las 2 semanas antes o después de su "
            "tratamiento.",
            note_for=(
                _NEUROMUSCULAR,
                _IMMUNOSUPPRESSION,
                _BLEEDING_DISORDER,
                _AUTOIMMUNE,
                _CANCER_TREATMENT,
            ),
        ),
        ConsentSection(
            "Después del procedimiento, es posible que note",
            (
                "Hinchazón, moretones y sensibilidad en la zona tratada, que por lo general "
                "desaparecen en una a dos semanas.",
                "Una sensación de tirantez o de jalón, o pequeños hoyuelos o arrugas en la piel, "
                "que por lo general desaparecen a medida que la zona sana.",
                "Pequeñas marcas donde la aguja o la cánula entró en la piel.",
                "En raras ocasiones, una infección, o el extremo de un hilo que se siente o se "
                "ve debajo de la piel. "
                + _INFECTION_SIGNS
                + " Llámenos también si puede ver o sentir el extremo de un hilo.",
            ),
        ),
        ConsentSection(
            "Después de su tratamiento",
            (
                "No se frote ni se dé masaje en la cara durante 2 semanas, y lávesela y séquela "
                "con suavidad.",
                "Evite abrir mucho la boca y hacer gestos fuertes con la cara durante 2 semanas.",
                "Si puede, duerma boca arriba, con la cabeza elevada, durante la primera semana.",
                "Evite el ejercicio, los saunas y los baños calientes durante una semana.",
                "Evite maquillarse en la zona tratada durante 24 horas.",
            ),
            numbered=True,
        ),
        ConsentSection(
            "Sus resultados",
            (
                "Es posible que note algo de levantamiento de inmediato; se asienta a medida que "
                "baja la hinchazón. Los hilos se disuelven en el transcurso de varios meses, y "
                "la duración del resultado varía de una persona a otra. Su especialista hablará "
                "con usted sobre los tratamientos de seguimiento.",
            ),
        ),
    ),
    declaration=DECLARATION,
)

DERMAL_FILLER = ConsentDocument(
    title="Consentimiento para relleno dérmico",
    introduction=(
        "El relleno dérmico es un gel, por lo general de ácido hialurónico (un azúcar que el "
        "cuerpo produce de forma natural), que se inyecta debajo de la piel para restaurar "
        "volumen, dar forma a zonas como los labios y las mejillas, y suavizar líneas y "
        "pliegues. Muchos rellenos contienen lidocaína, un medicamento para adormecer, para que "
        "las inyecciones sean más cómodas. El cuerpo descompone el gel lentamente con el tiempo."
    ),
    sections=(
        _before(
            "Las personas que han tenido anafilaxia o que tienen varias alergias graves, o que "
            "tienen alergia al ácido hialurónico o a un relleno que se aplicaron antes, no "
            "pueden recibir el tratamiento.",
            _NUMBING_AND_SCARS,
            _COLD_SORES_AROUND_THE_MOUTH,
            "Díganos si le pusieron una vacuna, o si tiene programado un trabajo dental, dentro "
            "de las 2 semanas de su cita; algunas clínicas prefieren dejar 2 semanas entre uno "
            "y otro.",
            note_for=(_NEUROMUSCULAR, _IMMUNOSUPPRESSION, _BLEEDING_DISORDER, _AUTOIMMUNE),
        ),
        ConsentSection(
            "Después del procedimiento, es posible que note",
            (
                "Hinchazón, enrojecimiento, sensibilidad y moretones donde se inyectó el "
                "relleno, que por lo general desaparecen en unos días a dos semanas. Los labios "
                "suelen hincharse más durante los primeros días.",
                "Pequeños bultos o irregularidades, que por lo general desaparecen a medida que "
                "baja la hinchazón. Avísenos si no desaparecen en dos semanas.",
                "En raras ocasiones, el relleno puede bloquear un vaso sanguíneo. Llámenos de "
                "inmediato, o busque atención de emergencia, si nota que la piel se pone blanca, "
                "gris, azul o manchada, un dolor intenso o que empeora, o cualquier cambio en la "
                "vista.",
                "En raras ocasiones, una infección. " + _INFECTION_SIGNS,
            ),
        ),
        ConsentSection(
            "Después de su tratamiento",
            (
                "No se toque, no se presione ni se dé masaje en la zona tratada durante el resto "
                "del día, a menos que su especialista le muestre cómo hacerlo.",
                "Evite el ejercicio, los saunas, los baños calientes y el alcohol durante 24 "
                "horas.",
                "Evite maquillarse en la zona tratada durante 24 horas.",
                "Evite el sol fuerte y el frío extremo hasta que desaparezcan la hinchazón y el "
                "enrojecimiento.",
            ),
            numbered=True,
        ),
        ConsentSection(
            "Sus resultados",
            (
                "Verá un cambio de inmediato, y el resultado final cuando haya bajado la "
                "hinchazón, por lo general después de unas dos semanas. La duración del relleno "
                "depende del producto y de la zona tratada; su especialista le dirá qué esperar "
                "y cuándo regresar.",
            ),
        ),
    ),
    declaration=DECLARATION,
)

NEUROTOXIN = ConsentDocument(
    title="Consentimiento para neurotoxina (por ejemplo, Botox)",
    introduction=(
        "La neurotoxina (toxina botulínica tipo A, que se vende como Botox, Dysport, Xeomin y "
        "otras marcas) es un medicamento con receta que se inyecta en pequeñas cantidades en "
        "músculos específicos. Los relaja por un tiempo, lo que suaviza las líneas causadas por "
        "el movimiento, como las líneas del entrecejo, las líneas de la frente y las patas de "
        "gallo."
    ),
    sections=(
        _before(
            "Deje pasar al menos 90 días entre tratamientos con neurotoxina, sin importar para "
            "qué fueron. Díganos la fecha del último.",
            "Las personas que tienen alergia a cualquier producto de toxina botulínica no pueden "
            "recibir el tratamiento. Díganos si tiene alergia a la proteína de la leche de vaca: "
            "una marca la contiene, y elegiremos otra.",
            "Díganos si está tomando antibióticos inyectados, relajantes musculares o "
            "medicamentos para dormir: pueden aumentar el efecto de la toxina.",
            note_for=(
                _NEUROMUSCULAR,
                _IMMUNOSUPPRESSION,
                _BLEEDING_DISORDER,
                "problemas para tragar o respirar (incluidos el asma o el enfisema)",
            ),
        ),
        ConsentSection(
            "Después del procedimiento, es posible que note",
            (
                "Pequeños bultos donde se pusieron las inyecciones, que por lo general "
                "desaparecen en una hora, y a veces un ligero enrojecimiento, moretones o un "
                "dolor de cabeza leve.",
                "El efecto empieza a los pocos días y por lo general alcanza su punto máximo a "
                "las dos semanas, aproximadamente.",
                "A veces, un párpado o una ceja caídos, o un aspecto desigual, que desaparecen "
                "con el tiempo. Avísenos si le sucede.",
                "En raras ocasiones, el efecto puede extenderse más allá de la zona tratada. "
                "Busque atención médica de inmediato si, en las horas o semanas después del "
                "tratamiento, tiene dificultad para tragar, hablar o respirar, o una debilidad "
                "muscular nueva.",
            ),
        ),
        ConsentSection(
            "Después de su tratamiento",
            (
                "No se frote ni se dé masaje en la zona tratada durante el resto del día.",
                "Permanezca en posición vertical, sin acostarse, durante 4 horas.",
                "Evite el ejercicio, los saunas, los faciales y los baños calientes durante 24 "
                "horas.",
            ),
            numbered=True,
        ),
        ConsentSection(
            "Sus resultados",
            (
                "Por lo general, el efecto dura de tres a cuatro meses, a veces más, y luego "
                "desaparece poco a poco. Entre un tratamiento y otro deben pasar al menos 90 "
                "días.",
            ),
        ),
    ),
    declaration=DECLARATION,
)

SCULPTRA = ConsentDocument(
    title="Consentimiento para Sculptra",
    introduction=(
        "Sculptra es ácido poli-L-láctico, un material que el cuerpo descompone, que se inyecta "
        "debajo de la piel. No rellena de inmediato: en las semanas y los meses siguientes ayuda "
        "a la piel a producir su propio colágeno, lo que restaura poco a poco el volumen "
        "perdido y suaviza pliegues y arrugas. Lo habitual es una serie de varios tratamientos, "
        "con algunas semanas de diferencia."
    ),
    sections=(
        _before(
            "Las personas a las que les salen cicatrices elevadas o gruesas (queloides), o que "
            "tienen alergia al ácido poli-L-láctico o a un relleno que se aplicaron antes, no "
            "pueden recibir el tratamiento.",
            "Díganos si ha tenido anafilaxia o si tiene varias alergias graves. Una enfermera lo "
            "hablará con usted.",
            note_for=(_NEUROMUSCULAR, _IMMUNOSUPPRESSION, _BLEEDING_DISORDER, _AUTOIMMUNE),
        ),
        ConsentSection(
            "Después del procedimiento, es posible que note",
            (
                "Hinchazón, enrojecimiento, sensibilidad y moretones donde se inyectó, que por "
                "lo general desaparecen en unos días a dos semanas.",
                "Al principio la zona puede verse más llena; esto baja en unos días a medida que "
                "se absorbe el agua con la que se mezcla el producto, y el cambio real llega en "
                "las semanas y los meses siguientes.",
                "Pequeños bultos debajo de la piel, que pueden aparecer semanas o meses después. "
                "Avísenos si nota alguno.",
                "En raras ocasiones, una infección. " + _INFECTION_SIGNS,
            ),
        ),
        ConsentSection(
            "Después de su tratamiento",
            (
                "Dé masaje en la zona tratada como le muestre su especialista, por lo general "
                "durante 5 minutos, 5 veces al día, durante 5 días, para ayudar a que el "
                "producto se distribuya de manera uniforme.",
                "Si la zona está hinchada, póngase una compresa fría, envuelta en un paño, por "
                "periodos cortos durante el primer día.",
                "Evite el ejercicio durante 24 horas, y evite el sol fuerte y las camas de "
                "bronceado hasta que desaparezcan el enrojecimiento y la hinchazón.",
                "Evite maquillarse en la zona tratada durante 24 horas.",
            ),
            numbered=True,
        ),
        ConsentSection(
            "Sus resultados",
            (
                "Los resultados aparecen poco a poco en el transcurso de unos meses y pueden "
                "durar mucho tiempo; su especialista le sugerirá cuántos tratamientos necesita "
                "y con cuánto tiempo de diferencia.",
            ),
        ),
    ),
    declaration=DECLARATION,
)

MICRONEEDLING = ConsentDocument(
    title="Consentimiento para microneedling (microagujas)",
    introduction=(
        "El microneedling usa un dispositivo con agujas estériles muy finas para hacer pequeñas "
        "punciones en las capas superiores de la piel. Al sanar, la piel produce colágeno "
        "nuevo, lo que puede mejorar su textura y su tono, las líneas finas y algunas "
        "cicatrices, incluidas las de acné. A menudo se aplica primero una crema para adormecer."
    ),
    sections=(
        _before(
            "Deje pasar al menos 6 meses entre su última dosis de isotretinoína (Accutane) y su "
            "tratamiento.",
            "Evite las quemaduras de sol, broncearse, las camas de bronceado y los "
            "autobronceadores durante los 14 días anteriores a su tratamiento.",
            _SKIN_FLARE,
            "Las personas que tienen alergia al acero inoxidable o a otros metales no pueden "
            "recibir el tratamiento. Díganos si tiene alergia a la lidocaína o a cualquier otro "
            "medicamento para adormecer, si le salen cicatrices elevadas o gruesas (queloides), "
            "o si tiene verrugas, lunares elevados o cáncer de piel en la zona que se va a "
            "tratar. Una enfermera lo hablará con usted.",
            _COLD_SORES_AROUND_THE_MOUTH,
            "Pregúntenos antes de su cita sobre cualquier retinoide (como la tretinoína o el "
            "retinol) o producto exfoliante que use en la zona: es posible que tenga que dejar "
            "de usarlo unos días antes.",
            note_for=(
                _NEUROMUSCULAR,
                _IMMUNOSUPPRESSION,
                _BLEEDING_DISORDER,
                _AUTOIMMUNE,
                _UNCONTROLLED_DIABETES,
                _CANCER_TREATMENT,
            ),
        ),
        ConsentSection(
            "Después del procedimiento, es posible que note",
            (
                "Enrojecimiento, calor y tirantez, como una quemadura de sol leve, por lo "
                "general durante uno a tres días.",
                "Una ligera hinchazón, resequedad o descamación durante unos días, y a veces "
                "pequeños moretones o puntitos de sangrado.",
                "En raras ocasiones, una infección o un herpes labial. " + _INFECTION_SIGNS,
            ),
        ),
        ConsentSection(
            "Después de su tratamiento",
            (
                "Evite maquillarse durante 24 horas, y toque la zona solo con las manos limpias.",
                "Use solo un limpiador suave y una crema hidratante hasta que la piel se haya "
                "calmado; evite los retinoides, los ácidos exfoliantes y los exfoliantes "
                "granulados durante una semana, aproximadamente.",
                "Evite el ejercicio, las piscinas, los saunas y los baños calientes durante 48 "
                "horas.",
                "No se exponga al sol mientras la piel sana, y use todos los días un protector "
                "solar de amplio espectro (FPS 30 o más) una vez que la piel ya no esté en carne "
                "viva.",
            ),
            numbered=True,
        ),
        ConsentSection(
            "Sus resultados",
            (
                "La piel sigue mejorando durante varias semanas después de cada tratamiento. Por "
                "lo general se recomienda una serie de varios tratamientos, con algunas semanas "
                "de diferencia; su especialista le sugerirá un plan.",
            ),
        ),
    ),
    declaration=DECLARATION,
)

DOCUMENTS: dict[str, ConsentDocument] = {
    "pdo_smooth_threads": PDO_SMOOTH_THREADS,
    "pdo_barbed_threads": PDO_BARBED_THREADS,
    "dermal_filler": DERMAL_FILLER,
    "neurotoxin": NEUROTOXIN,
    "sculptra": SCULPTRA,
    "microneedling": MICRONEEDLING,
}
