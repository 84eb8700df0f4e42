//! The staff: who signs in here and what each may do; owners invite, change roles, remove
//! and sign people out.

use paywall_protocol::admin::{NewStaff, SignedOut, StaffList, StaffMember, StaffRole, StaffRoleChange};
use yew::prelude::*;

use crate::api;
use crate::view::{self, Load, PageProps, Said, use_load};

fn roles() -> Vec<(String, String)> {
    vec![
        ("viewer".into(), "Viewer: reads everything, changes nothing".into()),
        ("editor".into(), "Editor: articles, tiers, offers, meter, gift links".into()),
        ("owner".into(), "Owner: everything, readers, webhooks, staff, keys".into()),
    ]
}

#[function_component(Staff)]
pub fn staff(props: &PageProps) -> Html {
    let (staff, reload) = use_load::<StaffList>("/v1/admin/staff".into());
    let said = use_state(Said::default);
    let email = use_state(String::new);
    let role = use_state(|| "editor".to_owned());
    let owner = props.may(StaffRole::Owner);
    let invite = {
        let (said, email, role, reload) = (said.clone(), email.clone(), role.clone(), reload.clone());
        Callback::from(move |event: SubmitEvent| {
            event.prevent_default();
            let body = NewStaff {
                email: (*email).clone(),
                role: StaffRole::parse(&role).unwrap_or(StaffRole::Viewer),
            };
            let reload = reload.clone();
            view::run(&said, async move {
                let done = api::send::<_, StaffMember>("POST", "/v1/admin/staff", &body, None).await;
                reload.emit(());
                Said::of(&done, format!("{} is invited: a sign-in link is on its way to them.", body.email))
            });
        })
    };
    let change = |member: &StaffMember| {
        let (said, reload, id) = (said.clone(), reload.clone(), member.id);
        Callback::from(move |event: Event| {
            let Some(role) = StaffRole::parse(&view::value_of(&event)) else { return };
            let reload = reload.clone();
            view::run(&said, async move {
                let done = api::act(
                    "PUT",
                    &format!("/v1/admin/staff/{id}"),
                    serde_json::to_value(StaffRoleChange { role }).ok().as_ref(),
                    None,
                )
                .await;
                reload.emit(());
                Said::of(&done, format!("The role is now {}.", role.as_str()))
            });
        })
    };
    let act = |member: &StaffMember, remove: bool| {
        let (said, reload, id, email) = (said.clone(), reload.clone(), member.id, member.email.clone());
        Callback::from(move |_| {
            let (reload, email) = (reload.clone(), email.clone());
            view::run(&said, async move {
                let said = if remove {
                    let done = api::act("DELETE", &format!("/v1/admin/staff/{id}"), None, None).await;
                    Said::of(&done, format!("{email} is no longer on the staff."))
                } else {
                    match api::send::<_, SignedOut>(
                        "POST",
                        &format!("/v1/admin/staff/{id}/sign-out"),
                        &serde_json::json!({}),
                        None,
                    )
                    .await
                    {
                        Ok((out, _)) => {
                            Said::Done(format!("{email} is signed out of {} sessions.", out.sessions_ended))
                        }
                        Err(error) => Said::Failed(error.message),
                    }
                };
                reload.emit(());
                said
            });
        })
    };
    html! {
        <>
            <h1 tabindex="-1">{ "Staff" }</h1>
            { view::said(&said) }
            { view::not_ready(&staff) }
            if let Load::Ready(staff) = &staff {
                <div class="scroll" tabindex="0" role="region" aria-label="The staff"><table>
                    <caption>{ "Everyone who signs in to this dashboard" }</caption>
                    <thead><tr><th scope="col">{ "Email" }</th><th scope="col">{ "Role" }</th><th scope="col">{ "Added" }</th><th scope="col"><span class="visually-hidden">{ "Actions" }</span></th></tr></thead>
                    <tbody>{ for staff.staff.iter().map(|member| html! {
                        <tr>
                            <th scope="row">{ &member.email }</th>
                            <td>
                                if owner {
                                    <label class="visually-hidden" for={format!("role-{}", member.id)}>{ format!("Role of {}", member.email) }</label>
                                    <select id={format!("role-{}", member.id)} onchange={change(member)}>
                                        { for StaffRole::ALL.iter().map(|role| html! {
                                            <option value={role.as_str()} selected={*role == member.role}>{ role.as_str() }</option>
                                        }) }
                                    </select>
                                } else { { member.role.as_str() } }
                            </td>
                            <td>{ view::when(member.created_at) }</td>
                            <td>if owner {
                                <button type="button" class="quiet" onclick={act(member, false)} aria-label={format!("Sign out everywhere: {}", member.email)}>{ "Sign out everywhere" }</button>
                                <button type="button" class="danger" onclick={act(member, true)} aria-label={format!("Remove {}", member.email)}>{ "Remove" }</button>
                            }</td>
                        </tr>
                    }) }</tbody>
                </table></div>
            }
            if owner {
                <section aria-labelledby="invite" class="panel">
                    <h2 id="invite">{ "Invite someone" }</h2>
                    <form onsubmit={invite}>
                        { view::field("invite-email", "Email address", &email, "email", None) }
                        { view::choice("invite-role", "Role", &role, &roles()) }
                        <button type="submit">{ "Invite" }</button>
                    </form>
                </section>
            }
        </>
    }
}
