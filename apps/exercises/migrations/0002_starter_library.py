"""The starter exercise library: hip strengthening, range of motion, balance and low-impact
aerobic exercises written for people recovering from transient osteoporosis of the hip (TOH).

Every instruction keeps to the weight bearing the care team allowed, is guided by pain, and
says to stop if pain sharply increases. Clinics adapt or add exercises in the admin; this
migration only inserts rows whose slug is not there yet, and reversing it removes only those
never prescribed.
"""

from django.db import migrations

SAFETY = (
    " Stay within the weight bearing your physiotherapist allowed (use your crutches or "
    "stick as advised). Mild discomfort that settles within an hour is acceptable; stop "
    "straight away if the pain in your hip or groin sharply increases, and tell your care "
    "team. If you cannot put weight on the leg after a fall, call the emergency number."
)

STARTER_EXERCISES = [
    # (slug, name, category, default_sets, default_reps, default_hold_seconds, instructions)
    (
        "glute-sets",
        "Glute squeezes",
        "strengthening",
        3,
        10,
        5,
        "Lie on your back (or sit) with your legs straight. Squeeze your buttocks together "
        "firmly, hold for the count, then relax fully. Breathe normally throughout. This "
        "works the hip muscles without moving or loading the joint, so it suits the most "
        "painful weeks.",
    ),
    (
        "isometric-hip-abduction",
        "Isometric hip abduction (belt or hands)",
        "strengthening",
        3,
        8,
        5,
        "Lie on your back with your knees bent and a belt looped around your thighs just "
        "above the knees. Gently push your knees outwards against the belt without letting "
        "them move, hold, then relax. Start at about half effort and build up over the weeks.",
    ),
    (
        "bridging",
        "Bridge",
        "strengthening",
        2,
        10,
        None,
        "Lie on your back with both knees bent and feet flat, hip-width apart. Tighten your "
        "stomach and buttocks, then slowly lift your hips until your body is in a line from "
        "shoulders to knees, and lower slowly. Keep the weight even on both feet; if the "
        "affected hip aches, lift only part of the way.",
    ),
    (
        "side-lying-hip-abduction",
        "Side-lying leg lift",
        "strengthening",
        2,
        10,
        None,
        "Lie on your unaffected side with the bottom knee bent for balance. Keep the top leg "
        "straight and in line with your body, toes pointing forwards, and slowly lift it "
        "about 30 cm, then lower it with control. Do not roll backwards. Do both legs unless "
        "told otherwise.",
    ),
    (
        "seated-knee-extension",
        "Seated knee straightening",
        "strengthening",
        2,
        10,
        3,
        "Sit tall on a firm chair. Slowly straighten one knee until the leg is level, pull "
        "your toes towards you, hold, then lower slowly. The hip stays supported by the chair, "
        "so the thigh muscles work without loading the joint.",
    ),
    (
        "sit-to-stand",
        "Sit to stand",
        "strengthening",
        2,
        8,
        None,
        "Sit near the front of a firm chair with arms, feet flat and slightly apart. Lean "
        "forwards and stand up, pushing through both legs (use your hands on the armrests as "
        "much as you need), then sit down slowly. Only start this once your physiotherapist "
        "has allowed full weight bearing.",
    ),
    (
        "heel-slides",
        "Heel slides",
        "range_of_motion",
        2,
        10,
        None,
        "Lie on your back with your legs straight. Slowly slide the heel of the affected leg "
        "towards your buttocks, bending the hip and knee as far as is comfortable, then slide "
        "it back. A plastic bag under the heel helps it slide. Move smoothly; do not push "
        "into pain.",
    ),
    (
        "supine-hip-rotation",
        "Lying hip rolls",
        "range_of_motion",
        2,
        10,
        None,
        "Lie on your back with your legs straight and slightly apart. Roll the whole leg "
        "gently inwards so the toes point towards each other, then outwards, within a "
        "comfortable range. This keeps the hip joint moving without taking any weight.",
    ),
    (
        "standing-hip-flexion-supported",
        "Supported standing knee lift",
        "range_of_motion",
        2,
        10,
        None,
        "Stand holding a kitchen worktop or a sturdy chair back with both hands, weight on "
        "the unaffected leg. Slowly lift the knee of the affected leg towards your chest as "
        "far as is comfortable, then lower it. Keep your back straight and do not lean on "
        "the affected leg.",
    ),
    (
        "supported-weight-shift",
        "Supported weight shifting",
        "balance",
        2,
        10,
        5,
        "Stand at a worktop with both hands on it and feet hip-width apart. Shift your weight "
        "slowly towards the affected side only as far as your allowed weight bearing and "
        "pain permit, hold, then return to the middle. Progress to lighter hand support over "
        "the weeks, never to none without your physiotherapist's agreement.",
    ),
    (
        "stationary-cycling",
        "Stationary cycling",
        "aerobic",
        1,
        None,
        600,
        "Set the saddle high enough that your knee is only slightly bent at the bottom of the "
        "stroke, and use low resistance. Pedal at an easy, even pace (you can still talk) for "
        "the time given. Get on and off carefully, with your weight on the unaffected leg.",
    ),
    (
        "aqua-walking",
        "Walking in water",
        "aerobic",
        1,
        None,
        900,
        "In a pool at about chest height, walk slowly forwards and backwards, holding the "
        "side if you need to. The water carries much of your weight, so you can walk more "
        "normally than on land. Use the steps or a hoist to get in and out, and avoid "
        "slippery poolside floors.",
    ),
]


def add_starter_exercises(apps, schema_editor):
    Exercise = apps.get_model("exercises", "Exercise")
    existing = set(Exercise.objects.values_list("slug", flat=True))
    Exercise.objects.bulk_create(
        [
            Exercise(
                slug=slug,
                name=name,
                category=category,
                default_sets=sets,
                default_reps=reps,
                default_hold_seconds=hold,
                instructions=instructions + SAFETY,
            )
            for slug, name, category, sets, reps, hold, instructions in STARTER_EXERCISES
            if slug not in existing
        ]
    )


def remove_starter_exercises(apps, schema_editor):
    Exercise = apps.get_model("exercises", "Exercise")
    Exercise.objects.filter(
        slug__in=[row[0] for row in STARTER_EXERCISES], plan_items__isnull=True
    ).delete()


class Migration(migrations.Migration):
    dependencies = [("exercises", "0001_initial")]

    operations = [migrations.RunPython(add_starter_exercises, remove_starter_exercises)]
